/** When a delivery's original bytes were deleted under its dataset's retention. */
export default `
ALTER TABLE deliveries ADD COLUMN IF NOT EXISTS original_purged_at TIMESTAMPTZ;
`;
