package io.tradingdesk.loadtest;

/**
 * What the seeded database holds, as far as the workloads need to know. Immutable.
 *
 * @param minNoteId        smallest research note id
 * @param maxNoteId        largest research note id (ids in between all exist: one bulk insert, no gaps)
 * @param notes            research notes
 * @param instruments      instruments LTAAA.. (the first {@code instruments} of the universe)
 * @param barsPerInstrument daily bars per instrument
 */
record Dataset(long minNoteId, long maxNoteId, long notes, int instruments, int barsPerInstrument) {
}
