package provider

import (
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The garbage collector's settings while the live heap is small (DESIGN.md §B10).
const (
	gcPercent     = 1000
	gcMemoryLimit = 160 << 20
)

// TuneGC lets the heap grow well past the provider's few MiB of live data before collecting, up
// to a soft memory limit, until the live heap itself grows large. It does nothing when the user
// set GOGC or GOMEMLIMIT. main calls it before serving.
func TuneGC() {
	if userTunesGC(os.Getenv) {
		return
	}
	debug.SetGCPercent(gcPercent)
	debug.SetMemoryLimit(gcMemoryLimit)
	go restoreGCDefaultsWhenLarge(100 * time.Millisecond)
}

// restoreGCDefaultsWhenLarge gives the collector Go's defaults back once the live heap passes
// half the memory limit, as a listing of tens of thousands of deployments makes it: near the
// limit, the collector would run back to back.
func restoreGCDefaultsWhenLarge(every time.Duration) {
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	for range time.Tick(every) {
		metrics.Read(live)
		if live[0].Value.Uint64() > gcMemoryLimit/2 {
			debug.SetMemoryLimit(math.MaxInt64)
			debug.SetGCPercent(100)
			return
		}
	}
}

// userTunesGC reports whether the user set the garbage collector's environment variables.
func userTunesGC(getenv func(string) string) bool {
	return getenv("GOGC") != "" || getenv("GOMEMLIMIT") != ""
}
