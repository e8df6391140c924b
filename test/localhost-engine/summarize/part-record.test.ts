/**
 * The part cache's record: citations counted from the part's first paragraph, so a part found elsewhere in an
 * edited document hits the cache and its citations land on the same paragraphs; anything else reads as a miss.
 */
import {
  decodePartRecord,
  encodePartRecord,
  relativeLabels,
} from '../../../localhost-engine/summarize/part-record';

describe('part record', () => {
  it('keys a part by labels counted from its first paragraph', () => {
    expect(relativeLabels('[¶11] Rent\n- [¶12] Monthly', 10)).toBe('[¶+0] Rent\n- [¶+1] Monthly');
    expect(relativeLabels('[¶12] Rent\n- [¶13] Monthly', 11)).toBe(
      relativeLabels('[¶11] Rent\n- [¶12] Monthly', 10),
    );
  });

  it('moves citations with the part and drops those outside the document', () => {
    const value = encodePartRecord(
      { summary: 'Rent is monthly.', points: [{ text: 'Rent is monthly.', sources: [10, 11] }] },
      10,
    );
    expect(decodePartRecord(value, 12, 100)).toEqual({
      summary: 'Rent is monthly.',
      points: [{ text: 'Rent is monthly.', sources: [12, 13] }],
    });
    expect(decodePartRecord(value, 98, 99)!.points[0].sources).toEqual([98]);
  });

  it.each(['Rent is monthly.', '{"summary": 3}', '{"summary":"x","points":[{"text":1}]}', '{'])(
    'reads %j as a miss',
    (value) => {
      expect(decodePartRecord(value, 0, 10)).toBeUndefined();
    },
  );
});
