//go:build avwatch_floor

package benchfloor

// Floor is true only in avwatch_floor builds.
const Floor = true
