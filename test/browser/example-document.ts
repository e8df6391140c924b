/**
 * A small but realistic Word document for the pane in a browser (the browser tests and `npm run screenshot`):
 * title, headings, paragraphs, a list and a table.
 */
import type { WordSimulationOptions } from '../word-simulation/word-simulation';

export const DOCUMENT: WordSimulationOptions = {
  apiVersion: '1.4',
  paragraphs: [
    { text: 'Quarterly Operations Review', style: 'Title' },
    { text: 'Overview', style: 'Heading1' },
    'Revenue grew by eight percent over the quarter, driven by the new subscription tier and lower churn.',
    'Operating costs rose more slowly than revenue, mostly because of the data-centre consolidation.',
    { text: 'Risks', style: 'Heading1' },
    { text: 'Supplier contracts renew in March.', isListItem: true },
    { text: 'Two senior engineers leave in April.', isListItem: true },
    { text: 'Currency exposure in the EU business.', isListItem: true },
    { text: 'Figures', style: 'Heading2' },
    { text: 'Revenue: 4.2 million', inTable: true },
    { text: 'Costs: 3.1 million', inTable: true },
    'The board is asked to approve the hiring plan and the supplier negotiation mandate.',
  ],
};
