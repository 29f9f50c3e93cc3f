package main

// CPU per unit of work during a phase: on a machine shared with other work
// a rate varies with the load, the CPU each payment costs much less.

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// cpuSnap is the CPU time so far (clock ticks, 1/100 s on Linux) of node 0
// and of each PostgreSQL backend connected to the bench database.
type cpuSnap struct {
	node int64
	pg   map[int]int64
	ok   bool
}

// procTicks reads utime+stime of pid from /proc (Linux); ok=false where
// that is not possible (another OS, PostgreSQL on another machine).
func procTicks(pid int) (int64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')') // the command may hold spaces
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state): utime is field 14
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	return u + st, err1 == nil && err2 == nil
}

// cpuSnapshot reads node 0's and the database backends' CPU time; it uses
// b.admin, so no other goroutine may be using it.
func (b *bench) cpuSnapshot(ctx context.Context) cpuSnap {
	snap := cpuSnap{pg: map[int]int64{}}
	if len(b.nodes) == 0 || b.nodes[0].cmd.Process == nil {
		return snap
	}
	var ok bool
	if snap.node, ok = procTicks(b.nodes[0].cmd.Process.Pid); !ok {
		return snap
	}
	rows, err := b.admin.Query(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
	if err != nil {
		return snap
	}
	defer rows.Close()
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) != nil {
			return snap
		}
		if t, ok := procTicks(pid); ok {
			snap.pg[pid] = t
		}
	}
	snap.ok = rows.Err() == nil && len(snap.pg) > 0
	return snap
}

// cpuPer returns the CPU milliseconds per unit of node 0 and of the
// PostgreSQL backends between two snapshots ("" when not measurable).
func cpuPer(from, to cpuSnap, units int64, unit string) string {
	if !from.ok || !to.ok || units == 0 {
		return ""
	}
	var pg int64
	for pid, t := range to.pg {
		pg += t - from.pg[pid] // a backend born during the phase counts from 0
	}
	const msPerTick = 10
	return fmt.Sprintf("CPU per %s: node %.1f ms, PostgreSQL %.1f ms", unit,
		float64((to.node-from.node)*msPerTick)/float64(units), float64(pg*msPerTick)/float64(units))
}
