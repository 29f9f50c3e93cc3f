package postgres

// SearchPaymentsSQL and TimelineSQL let the external tests EXPLAIN the
// console's queries, which run on pgx directly (not through bun's hooks).
var SearchPaymentsSQL = searchPaymentsSQL

const TimelineSQL = timelineSQL
