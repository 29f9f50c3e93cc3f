//go:build race

package graph_test

// raceEnabled: the race detector inflates memory; the idle-subscriber
// measurement skips.
const raceEnabled = true
