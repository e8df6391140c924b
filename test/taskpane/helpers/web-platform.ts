/**
 * jsdom (jest-environment-jsdom 30) lacks the streaming parts of the web platform the engine client uses:
 * ReadableStream, TextEncoder/TextDecoder. Node has standard implementations; importing this file installs them.
 */
import { ReadableStream } from 'node:stream/web';
import { TextDecoder, TextEncoder } from 'node:util';

const g = globalThis as Record<string, unknown>;
if (typeof g.ReadableStream === 'undefined') g.ReadableStream = ReadableStream;
if (typeof g.TextEncoder === 'undefined') g.TextEncoder = TextEncoder;
if (typeof g.TextDecoder === 'undefined') g.TextDecoder = TextDecoder;
