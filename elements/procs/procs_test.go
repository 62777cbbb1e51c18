package procs

import (
	"runtime"
	"testing"
)

func TestEnterAddsAPPerElement(t *testing.T) {
	if userSet {
		t.Skip("GOMAXPROCS set in the environment: Enter leaves it alone")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	runtime.GOMAXPROCS(base)
	Enter()
	Enter()
	if got, want := runtime.GOMAXPROCS(0), base+2; got != want {
		t.Fatalf("GOMAXPROCS %d with two elements over a default of %d, want %d", got, base, want)
	}
	Leave()
	Leave()
	if n := count(); n != 0 {
		t.Fatalf("%d active after two Leaves", n)
	}
	Leave() // an unbalanced Leave must not go negative
	if n := count(); n != 0 {
		t.Fatalf("%d active after an extra Leave", n)
	}
	if got := runtime.GOMAXPROCS(0); got != base+2 {
		t.Fatalf("GOMAXPROCS lowered to %d on Leave", got)
	}
}

func count() int {
	mu.Lock()
	defer mu.Unlock()
	return active
}
