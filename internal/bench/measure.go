package main

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// median of the values; zero for none.
func median[T cmp.Ordered](values []T) T {
	var zero T
	if len(values) == 0 {
		return zero
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	return sorted[len(sorted)/2]
}

// seconds formats a duration for the table: milliseconds below ten seconds' worth of precision.
func seconds(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	case d < 10*time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	default:
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
}

// mebibytes formats a size in KiB as MiB.
func mebibytes(kib int64) string {
	return fmt.Sprintf("%.0f MiB", float64(kib)/1024)
}
