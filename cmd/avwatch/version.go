package main

import (
	"fmt"
	"runtime/debug"
)

// version is set at link time by packaging (-ldflags "-X main.version=...").
var version = "dev"

func init() {
	register("version", "print the version", func([]string) int {
		v := version
		if bi, ok := debug.ReadBuildInfo(); ok && v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		fmt.Println("avwatch", v)
		return 0
	})
}
