// Package seccomp turns docker's seccomp profiles into the BPF filter a
// container's init installs before it execs the container's process.
//
// Profiles are docker's format (github.com/moby/profiles/seccomp, which
// also holds docker's default profile); that module resolves a profile's
// conditional rules (capabilities, architecture, kernel) into the OCI
// spec's LinuxSeccomp, which Compile turns into classic BPF in Go: no
// libseccomp. The filter behaves as runc's does with libseccomp: the same
// action for every system call and argument case, on every ABI the
// profile names (x86_64, i386 and x32 on amd64), and ENOSYS rather than
// the default action for system calls newer than any the profile names,
// so that C libraries fall back from them.
//
// It must not import storage, netns or runtime/container.
package seccomp

//go:generate go run mksyscalls.go

import (
	"sort"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// syscallNumber is one entry of a generated table (zsyscalls_GOARCH.go).
type syscallNumber struct {
	name string
	nr   uint32
}

// syscallTable is one ABI's system calls, sorted by name.
type syscallTable struct {
	arch  specs.Arch
	calls []syscallNumber
}

// lookup returns the number of the system call name in t.
func (t *syscallTable) lookup(name string) (uint32, bool) {
	i := sort.Search(len(t.calls), func(i int) bool { return t.calls[i].name >= name })
	if i < len(t.calls) && t.calls[i].name == name {
		return t.calls[i].nr, true
	}
	return 0, false
}

// x32Bit marks the x32 ABI's system call numbers (__X32_SYSCALL_BIT).
const x32Bit = 0x40000000

// abi says how the kernel presents an ABI to a filter: the audit
// architecture in seccomp_data.arch, a bit set in every system call
// number (x32), and whether arguments are 32 bits wide.
type abi struct {
	audit  uint32
	nrBit  uint32
	narrow bool
}

var abis = map[specs.Arch]abi{
	specs.ArchX86_64:  {audit: unix.AUDIT_ARCH_X86_64},
	specs.ArchX32:     {audit: unix.AUDIT_ARCH_X86_64, nrBit: x32Bit},
	specs.ArchX86:     {audit: unix.AUDIT_ARCH_I386, narrow: true},
	specs.ArchAARCH64: {audit: unix.AUDIT_ARCH_AARCH64},
	specs.ArchARM:     {audit: unix.AUDIT_ARCH_ARM, narrow: true},
}

// table returns the generated table of arch, nil when this build has none.
func table(arch specs.Arch) *syscallTable {
	for i := range tables {
		if tables[i].arch == arch {
			return &tables[i]
		}
	}
	return nil
}

// Number returns the number of the system call name on the native ABI.
func Number(name string) (uint32, bool) {
	if len(tables) == 0 {
		return 0, false
	}
	return tables[0].lookup(name)
}
