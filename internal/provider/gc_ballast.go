package provider

import "os"

// gcBallast is allocated once and never read or written, so the kernel never backs it with
// memory: it only makes the heap look 64 MiB bigger to the garbage collector.
var gcBallast []byte //nolint:unused // allocating it is the point; nothing reads it

const gcBallastSize = 64 << 20

// TuneGC makes the garbage collector run about every 64 MiB allocated instead of every few MiB,
// unless GOGC or GOMEMLIMIT is set. The provider's live heap is a few MiB while a plan allocates
// about a megabyte per resource, so by default the collector runs hundreds of times per plan: a
// quarter to a third of the provider's CPU (see BENCHMARKS.md). Go has no minimum heap setting;
// a ballast is the way to get one. A big listing's own heap soon outgrows it: listing 10,000
// deployments peaks about 60 MiB higher, 50,000 about the same. main calls it before serving.
func TuneGC() {
	if wantBallast(os.Getenv) {
		gcBallast = make([]byte, gcBallastSize)
	}
}

// wantBallast reports whether the user left the garbage collector's settings alone.
func wantBallast(getenv func(string) string) bool {
	return getenv("GOGC") == "" && getenv("GOMEMLIMIT") == ""
}
