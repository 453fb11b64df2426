import { Readable } from 'node:stream';
import { eventData, EventStreamErrorEvent } from './event-stream-request';

/** The data eventData hands out for a body arriving in these pieces. */
async function dataOf(...pieces: string[]): Promise<string[]> {
  const out: string[] = [];
  for await (const data of eventData(Readable.from(pieces.map((piece) => Buffer.from(piece)), { objectMode: false }))) out.push(data);
  return out;
}

describe('eventData', () => {
  it('hands out the data of each event, stopping at [DONE]', async () => {
    expect(await dataOf('data: {"a":1}\n\ndata: {"a":2}\n\ndata: [DONE]\n\ndata: {"after":true}\n\n')).toEqual(['{"a":1}', '{"a":2}']);
  });

  it('joins events and lines split anywhere across reads, including inside a multi-byte character', async () => {
    const euro = Buffer.from('data: 5€\n\n');
    const pieces = [euro.subarray(0, 7), euro.subarray(7, 8), euro.subarray(8)];
    const out: string[] = [];
    for await (const data of eventData(Readable.from([Buffer.from('da'), Buffer.from('ta: one\n'), Buffer.from('\n'), ...pieces], { objectMode: false }))) out.push(data);
    expect(out).toEqual(['one', '5€']);
  });

  it('accepts \\r\\n line ends, data without the space, multi-line data, comments and other fields', async () => {
    expect(await dataOf(': keep-alive\r\n\r\nid: 7\r\nevent: message\r\ndata:first\r\ndata: second\r\nretry: 100\r\n\r\n')).toEqual(['first\nsecond']);
  });

  it('ends quietly at the end of the body, dropping an event that was never finished', async () => {
    expect(await dataOf('data: whole\n\n', 'data: half')).toEqual(['whole']);
  });

  it('throws an event named error with its message', async () => {
    await expect(dataOf('data: ok\n\n', 'event: error\ndata: {"error":{"message":"overloaded"}}\n\n')).rejects.toEqual(new EventStreamErrorEvent('overloaded'));
    await expect(dataOf('event: error\ndata: plain words\n\n')).rejects.toThrow('plain words');
  });
});
