//go:build !amd64 && !arm64

package seccomp

// tables is empty where no table was generated: Compile refuses every
// profile there, and containers need --security-opt seccomp=unconfined.
var tables []syscallTable
