/**
 * Real prose with summaries written for the attribution test: Debian's license texts (/usr/share/common-licenses,
 * split into paragraphs at blank lines, as plain-text input is) and a generated contract with numbered clauses.
 * Each supported point paraphrases the paragraphs that `from` names (a passage found in exactly one paragraph);
 * each unsupported sentence is a plausible claim about the same subject that the document does not make.
 */
import { readFileSync } from 'node:fs';
import type { Paragraph } from '../../../localhost-engine/api/schemas';
import { paragraphsFromText } from '../../../localhost-engine/summarize/prompt';

export interface CorpusDocument {
  name: string;
  paragraphs: Paragraph[];
  points: Array<{ text: string; from: string[] }>;
  unsupported: string[];
}

function license(name: string): Paragraph[] {
  return paragraphsFromText(readFileSync(`/usr/share/common-licenses/${name}`, 'utf8'));
}

const APACHE: Omit<CorpusDocument, 'paragraphs'> = {
  name: 'Apache-2.0',
  points: [
    {
      text: 'Every contributor gives you a free, worldwide, irrevocable copyright license to reproduce, display, sublicense and distribute the work and derivative works.',
      from: ['2. Grant of Copyright License.'],
    },
    {
      text: 'Contributors also grant a royalty-free patent license, which ends if you start patent litigation claiming the work infringes.',
      from: ['3. Grant of Patent License.'],
    },
    {
      text: 'Anyone who receives the work or a derivative from you must get a copy of the license.',
      from: ['(a) You must give any other recipients'],
    },
    {
      text: 'Files you modify have to carry prominent notices saying you changed them.',
      from: ['(b) You must cause any modified files'],
    },
    {
      text: 'If the work ships a NOTICE file, derivative works must include a readable copy of its attribution notices.',
      from: ['(d) If the Work includes a "NOTICE" text file'],
    },
    {
      text: 'Contributions you intentionally submit to the licensor fall under the same license terms unless you say otherwise.',
      from: ['5. Submission of Contributions.'],
    },
    {
      text: "The license gives no right to use the licensor's trademarks or product names beyond describing where the work came from.",
      from: ['6. Trademarks.'],
    },
    {
      text: 'The work is provided as is, without warranties of merchantability or fitness for a particular purpose.',
      from: ['7. Disclaimer of Warranty.'],
    },
    {
      text: 'Contributors are not liable for direct, indirect or consequential damages such as loss of goodwill or computer failure.',
      from: ['8. Limitation of Liability.'],
    },
    {
      text: 'You may charge for support or warranty, but only on your own behalf, and you must indemnify the contributors.',
      from: ['9. Accepting Warranty or Additional Liability.'],
    },
    {
      text: 'You may add your own copyright statement and different license terms for your own modifications.',
      from: ['You may add Your own copyright statement'],
    },
  ],
  unsupported: [
    'Commercial users must pay an annual fee of 2,000 dollars to the Apache Software Foundation.',
    'The license expires ten years after the first public release of the software.',
    'Any dispute under the license is settled by arbitration in Delaware.',
    'Derivative works must be published on a public website within ninety days.',
    'Employees of government agencies are excluded from the license.',
    'The software may not be exported to countries under a trade embargo.',
  ],
};

const GPL2: Omit<CorpusDocument, 'paragraphs'> = {
  name: 'GPL-2',
  points: [
    {
      text: 'You may copy and distribute verbatim copies of the source code in any medium if you keep the copyright notice, the disclaimer and a copy of the license.',
      from: ['1. You may copy and distribute verbatim copies'],
    },
    {
      text: 'A fee may be charged for physically transferring a copy, and warranty protection may be offered for a fee.',
      from: ['You may charge a fee for the physical act'],
    },
    {
      text: 'Modified files must carry prominent notices that you changed them and the date of the change.',
      from: ['a) You must cause the modified files'],
    },
    {
      text: 'Any work you distribute that is derived from the program must be licensed as a whole at no charge to all third parties.',
      from: ['b) You must cause any work that you distribute'],
    },
    {
      text: 'Object code may be distributed with a written offer, valid for at least three years, to provide the complete source code.',
      from: ['b) Accompany it with a written offer'],
    },
    {
      text: 'Copying or distributing the program other than as the license allows is void and automatically terminates your rights.',
      from: ['4. You may not copy, modify, sublicense'],
    },
    {
      text: 'By modifying or distributing the program you indicate that you accept the license, although you are not required to accept it since you have not signed it.',
      from: ['5. You are not required to accept this License'],
    },
    {
      text: 'Every recipient automatically receives a license from the original licensor, and you may not impose further restrictions on them.',
      from: ['6. Each time you redistribute the Program'],
    },
    {
      text: 'Where patents or copyrighted interfaces restrict distribution in some countries, the copyright holder may add a geographical limitation excluding them.',
      from: ['8. If the distribution and/or use of the Program is restricted'],
    },
    {
      text: 'The Free Software Foundation may publish revised versions of the license, similar in spirit but different in detail.',
      from: ['9. The Free Software Foundation may publish revised'],
    },
    {
      text: 'Mere aggregation of another work with the program on a storage or distribution medium does not bring that work under the license.',
      from: ['In addition, mere aggregation of another work'],
    },
  ],
  unsupported: [
    'Programs under this license may only be used for non-profit educational purposes.',
    'Distributors must register every copy with the Free Software Foundation within thirty days.',
    'The license lets companies keep their modifications secret when they sell hardware.',
    'Authors receive a royalty of five percent whenever the program is sold.',
    'Translations of the program into other languages require written approval from the original author.',
    'The license is governed by the law of the State of New York.',
  ],
};

const MPL2: Omit<CorpusDocument, 'paragraphs'> = {
  name: 'MPL-2.0',
  points: [
    {
      text: 'Each contributor grants a worldwide, royalty-free license to use, modify, display and distribute its contributions, alone or in a larger work.',
      from: [
        '(a) under intellectual property rights (other than patent or trademark)',
        'Each Contributor hereby grants You a world-wide',
      ],
    },
    {
      text: 'Contributors also license their patent claims, so you can make, sell, import and otherwise transfer their contributions.',
      from: ['(b) under Patent Claims of such Contributor to make'],
    },
    {
      text: 'The licenses for a contribution take effect on the date the contributor first distributes it.',
      from: ['become effective for each Contribution on the date'],
    },
    {
      text: 'All source code distribution, including your modifications, must stay under this license, and recipients must be told how to get a copy.',
      from: ['All distribution of Covered Software in Source Code Form'],
    },
    {
      text: 'If you distribute an executable, the source code must also be available for no more than the cost of distribution.',
      from: ['(a) such Covered Software must also be made available in Source Code Form'],
    },
    {
      text: 'A larger work combining the covered software with other code can be distributed under terms of your choice.',
      from: ['You may create and distribute a Larger Work'],
    },
    {
      text: 'You must not remove or alter copyright notices, patent notices or warranty disclaimers in the source code.',
      from: ['You may not remove or alter the substance of any license notices'],
    },
    {
      text: 'Rights end automatically on non-compliance but are reinstated if you come back into compliance and are not notified within 60 days.',
      from: ['5.1. The rights granted under this License will terminate automatically'],
    },
    {
      text: 'Suing a contributor for patent infringement terminates the rights all contributors granted you.',
      from: ['5.2. If You initiate litigation against any entity'],
    },
    {
      text: 'Litigation may only be brought in the courts where the defendant has its principal place of business.',
      from: ['Any litigation relating to this License may be brought only'],
    },
    {
      text: 'The Mozilla Foundation is the license steward and alone may publish new versions of the license.',
      from: ['Mozilla Foundation is the license steward'],
    },
    {
      text: 'If statute or regulation makes compliance impossible, you must comply as far as possible and describe the limitations in a text file.',
      from: ['If it is impossible for You to comply with any of the terms'],
    },
  ],
  unsupported: [
    'Contributors must sign a copyright assignment to the Mozilla Foundation before their code is accepted.',
    'The license forbids using the software in medical devices or aircraft.',
    'Distributors must keep records of every download for seven years.',
    'Any fork of the project has to change its name within six months.',
    'The license grants users the right to a refund if the software is defective.',
    'Binary releases must be signed with a key registered at the steward.',
  ],
};

const GPL3: Omit<CorpusDocument, 'paragraphs'> = {
  name: 'GPL-3',
  points: [
    {
      text: 'The license is irrevocable while its conditions are met and affirms your unlimited permission to run the unmodified program.',
      from: ['All rights granted under this License are granted for the term of copyright'],
    },
    {
      text: 'You may charge any price or no price for each copy you convey, and offer support or warranty protection for a fee.',
      from: ['You may charge any price or no price'],
    },
    {
      text: 'A modified work must be licensed as a whole under this license to anyone who gets a copy, regardless of how it is packaged.',
      from: ['c) You must license the entire work, as a whole'],
    },
    {
      text: 'Object code can be conveyed on a physical product together with the corresponding source on a durable medium.',
      from: [
        'a) Convey the object code in, or embodied in, a physical product (including a physical distribution medium), accompanied by the Corresponding Source',
      ],
    },
    {
      text: 'Object code offered from a designated place requires equivalent access to the corresponding source at no further charge, possibly on another server.',
      from: ['d) Convey the object code by offering access from a designated place'],
    },
    {
      text: 'Object code may also be conveyed by peer-to-peer transmission if peers are told where the source is offered at no charge.',
      from: ['e) Convey the object code using peer-to-peer transmission'],
    },
    {
      text: 'Violating the license terminates your rights, but they are reinstated if the copyright holder does not notify you within 60 days after you stop.',
      from: [
        'You may not propagate or modify a covered work except as expressly',
        'However, if you cease all violation of this License',
      ],
    },
    {
      text: 'You do not need to accept the license just to receive or run a copy of the program.',
      from: ['You are not required to accept this License in order to receive or run'],
    },
    {
      text: 'Each recipient automatically gets a license from the original licensors, and you are not responsible for enforcing compliance by third parties.',
      from: ['Each time you convey a covered work, the recipient automatically receives'],
    },
    {
      text: 'Every contributor grants a worldwide, royalty-free patent license under its essential patent claims.',
      from: [
        "Each contributor grants you a non-exclusive, worldwide, royalty-free patent license under the contributor's essential",
      ],
    },
    {
      text: 'Covered works may be combined with works under the GNU Affero General Public License version 3 and conveyed together.',
      from: [
        'you have permission to link or combine any covered work with a work licensed under version 3 of the GNU Affero',
      ],
    },
    {
      text: 'Some devices deny users the ability to install modified software, and this version of the GPL is designed to prohibit that practice.',
      from: ['Some devices are designed to deny users access'],
    },
  ],
  unsupported: [
    'Users must obtain a paid subscription before installing the program on more than three computers.',
    'The license requires that modified versions be submitted to the original author for review.',
    'Cloud providers must pay a hosting surcharge to the Free Software Foundation.',
    'Source code has to be escrowed with a notary in Boston.',
    'The program may not be used to train machine learning models.',
    'The license automatically converts to a proprietary license after twenty years.',
  ],
};

/** A services agreement with numbered clauses, and for each clause what a summary would say about it. */
const CONTRACT_CLAUSES: Array<{ heading: string; clauses: Array<{ text: string; point: string }> }> = [
  {
    heading: '1. Parties and Term',
    clauses: [
      {
        text: '1.1 This Services Agreement is made between Northwind Analytics Limited (the "Supplier") and Harbor Logistics plc (the "Customer").',
        point: 'The agreement is between Northwind Analytics as supplier and Harbor Logistics as customer.',
      },
      {
        text: '1.2 This Agreement starts on 1 March 2025 and continues for an initial term of thirty-six (36) months.',
        point: 'It begins on 1 March 2025 with an initial term of 36 months.',
      },
      {
        text: "1.3 The Agreement renews automatically for successive twelve-month periods unless either party gives at least ninety (90) days' written notice before the end of the current term.",
        point: 'It renews automatically every twelve months unless a party gives 90 days of written notice.',
      },
    ],
  },
  {
    heading: '2. Services',
    clauses: [
      {
        text: '2.1 The Supplier shall provide route-optimisation software, hosting and second-line support as described in Schedule 1.',
        point: 'Northwind supplies route-optimisation software, hosting and second-line support.',
      },
      {
        text: '2.2 The Supplier shall meet the service levels set out in Schedule 2, including an availability of 99.5% in each calendar month.',
        point: 'The supplier commits to 99.5% monthly availability under the service levels.',
      },
    ],
  },
  {
    heading: '3. Fees and Payment',
    clauses: [
      {
        text: '3.1 The Customer shall pay a monthly fee of EUR 18,500, invoiced in advance on the first business day of each month.',
        point: 'The customer pays a monthly fee of EUR 18,500, invoiced in advance.',
      },
      {
        text: '3.2 Invoices are payable within thirty (30) days of receipt; late payments bear interest at four percent (4%) above the base rate of the European Central Bank.',
        point:
          'Invoices are due within 30 days, and late payment carries interest of 4% above the ECB base rate.',
      },
      {
        text: '3.3 The Supplier may increase the fees once in each contract year by no more than the annual change in the Harmonised Index of Consumer Prices.',
        point: 'Fees can rise once a year, capped at the change in the consumer price index.',
      },
    ],
  },
  {
    heading: '4. Service Credits',
    clauses: [
      {
        text: "4.1 If availability falls below 99.5% in any month, the Customer is entitled to a service credit of five percent (5%) of that month's fee for each full half percentage point of shortfall, capped at thirty percent (30%).",
        point:
          'Missing the availability target earns service credits of 5% of the monthly fee per half point, up to 30%.',
      },
    ],
  },
  {
    heading: '5. Confidentiality and Data Protection',
    clauses: [
      {
        text: "5.1 Each party shall keep the other party's Confidential Information secret and use it only to perform this Agreement; this obligation survives for five (5) years after termination.",
        point:
          'Both parties keep each other’s confidential information secret, for five years after the agreement ends.',
      },
      {
        text: "5.2 The Supplier processes personal data only on the Customer's documented instructions and shall notify the Customer of any personal data breach within forty-eight (48) hours of becoming aware of it.",
        point: 'The supplier must report any personal data breach to the customer within 48 hours.',
      },
    ],
  },
  {
    heading: '6. Intellectual Property',
    clauses: [
      {
        text: '6.1 All intellectual property rights in the software and its documentation remain with the Supplier.',
        point: 'The supplier keeps all intellectual property in the software.',
      },
      {
        text: '6.2 The Customer owns all data it uploads and may export that data at any time in CSV format.',
        point: 'The customer owns its uploaded data and can export it as CSV at any time.',
      },
    ],
  },
  {
    heading: '7. Liability and Insurance',
    clauses: [
      {
        text: "7.1 Each party's total liability in any contract year is limited to one hundred and twenty-five percent (125%) of the fees paid in that year, except for death or personal injury caused by negligence, or fraud.",
        point: 'Liability is capped at 125% of the annual fees, except for personal injury or fraud.',
      },
      {
        text: '7.2 The Supplier shall maintain professional indemnity insurance of at least EUR 5,000,000 during the term and for two (2) years afterwards.',
        point: 'Northwind must hold professional indemnity insurance of at least EUR 5 million.',
      },
    ],
  },
  {
    heading: '8. Termination and Exit',
    clauses: [
      {
        text: '8.1 Either party may terminate this Agreement with immediate effect by written notice if the other party commits a material breach that is not remedied within thirty (30) days of being notified of it.',
        point: 'A material breach not remedied within 30 days allows immediate termination.',
      },
      {
        text: "8.2 After the first anniversary the Customer may terminate for convenience on six (6) months' notice by paying an early termination fee equal to three months' fees.",
        point:
          "After the first year the customer may leave on six months' notice with a fee of three months' charges.",
      },
      {
        text: "8.3 On termination the Supplier shall provide reasonable assistance for up to ninety (90) days to migrate the Customer's data to a replacement provider, at its then-current day rates.",
        point:
          'On exit the supplier helps migrate data to a new provider for up to 90 days at its day rates.',
      },
    ],
  },
  {
    heading: '9. General',
    clauses: [
      {
        text: "9.1 The Supplier may subcontract hosting to a provider located in the European Economic Area only with the Customer's prior written consent, which shall not be unreasonably withheld.",
        point: 'Hosting may be subcontracted within the EEA only with the customer’s written consent.',
      },
      {
        text: '9.2 Neither party is liable for delay caused by events beyond its reasonable control; if such an event lasts more than sixty (60) days, either party may terminate on written notice.',
        point: 'Force majeure lasting more than 60 days lets either party terminate.',
      },
      {
        text: '9.3 This Agreement is governed by the laws of Ireland, and the courts of Dublin have exclusive jurisdiction over any dispute.',
        point: 'Irish law governs, and the Dublin courts have exclusive jurisdiction.',
      },
    ],
  },
];

const CONTRACT_UNSUPPORTED = [
  'The customer must buy at least 200 user licenses per year.',
  'Either party may assign the agreement to an affiliate without consent.',
  'The supplier guarantees a response to critical incidents within fifteen minutes.',
  'Prices are fixed in US dollars for the whole term.',
  'Harbor Logistics receives a discount of 10% if it pays annually in advance.',
  'Disputes go to mediation in London before any court proceedings.',
];

/** The generated contract: a title, then each heading followed by its numbered clauses, one paragraph each. */
function contract(): CorpusDocument {
  const paragraphs: Paragraph[] = [{ text: 'Services Agreement', style: 'Title' }];
  const points: CorpusDocument['points'] = [];
  for (const section of CONTRACT_CLAUSES) {
    paragraphs.push({ text: section.heading, style: 'Heading1' });
    for (const clause of section.clauses) {
      paragraphs.push({ text: clause.text, style: 'Normal' });
      points.push({ text: clause.point, from: [clause.text.slice(0, 40)] });
    }
  }
  return { name: 'generated contract', paragraphs, points, unsupported: CONTRACT_UNSUPPORTED };
}

/** The documents the threshold was chosen on. */
export function calibrationDocuments(): CorpusDocument[] {
  return [APACHE, GPL2].map((d) => ({ ...d, paragraphs: license(d.name) }));
}

/** The documents the threshold was not chosen on. */
export function heldOutDocuments(): CorpusDocument[] {
  return [...[MPL2, GPL3].map((d) => ({ ...d, paragraphs: license(d.name) })), contract()];
}

/** The index of each passage's paragraph; throws unless each passage is in exactly one paragraph. */
export function rightSources(doc: CorpusDocument, from: readonly string[]): number[] {
  return from.map((passage) => {
    const hits = doc.paragraphs.flatMap((p, i) => (p.text.includes(passage) ? [i] : []));
    if (hits.length !== 1) {
      throw new Error(`"${passage}" is in ${hits.length} paragraphs of ${doc.name}, not exactly one.`);
    }
    return hits[0];
  });
}
