package procs

import (
	"os"
	"strings"
)

// StatFields returns the fields of a /proc stat file (/proc/self/stat,
// /proc/self/task/TID/stat) that follow the command, which is in
// parentheses and may hold spaces: field n of proc(5) is StatFields[n-3].
func StatFields(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s := string(b)
	return strings.Fields(s[strings.LastIndexByte(s, ')')+1:]), nil
}
