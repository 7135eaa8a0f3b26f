/**
 * The slot is (dataset, municipality, period), whoever sends it. Each delivery gets its number
 * within the slot (`slot_seq`, for archival identifiers unique per slot and correction): the
 * deliveries already stored are numbered in the order they were received. The slot's index no
 * longer names the source; a unique index keeps two deliveries of one slot off one number.
 * `errors_by_rule` holds the exact count of issues per rule (`{}` for deliveries received
 * before: their counts by rule were not kept).
 */
export default /* sql */ `
ALTER TABLE deliveries ADD COLUMN slot_seq integer;
ALTER TABLE deliveries ADD COLUMN errors_by_rule jsonb NOT NULL DEFAULT '{}'::jsonb;
UPDATE deliveries d SET slot_seq = n.seq
  FROM (SELECT id, row_number() OVER (PARTITION BY dataset, municipality, period ORDER BY id) AS seq FROM deliveries) n
  WHERE d.id = n.id;
ALTER TABLE deliveries ALTER COLUMN slot_seq SET NOT NULL;
DROP INDEX deliveries_slot;
CREATE UNIQUE INDEX deliveries_slot ON deliveries (dataset, municipality, period, slot_seq);
`;
