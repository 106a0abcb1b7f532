//go:build amd64

package seccomp

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"testing"

	profiles "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// dockerCaps are docker's default capabilities.
var dockerCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// capSets are the capability sets whose rules differ in docker's profile.
func capSets() map[string][]string {
	with := func(extra ...string) []string { return append(slices.Clone(dockerCaps), extra...) }
	all := with("CAP_SYS_ADMIN", "CAP_DAC_READ_SEARCH", "CAP_SYS_BOOT", "CAP_SYS_MODULE", "CAP_SYS_PACCT",
		"CAP_SYS_PTRACE", "CAP_SYS_RAWIO", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_SYS_NICE",
		"CAP_SYSLOG", "CAP_BPF", "CAP_PERFMON")
	return map[string][]string{
		"none": nil, "default": dockerCaps, "+SYS_ADMIN": with("CAP_SYS_ADMIN"),
		"+SYS_PTRACE": with("CAP_SYS_PTRACE"), "+DAC_READ_SEARCH": with("CAP_DAC_READ_SEARCH"),
		"+BPF+PERFMON": with("CAP_BPF", "CAP_PERFMON"), "all": all,
	}
}

// TestDefaultProfileMatchesDocker runs the compiled filter of docker's
// default profile in a BPF interpreter for every system call of every ABI
// and for argument values around every argument rule, and compares each
// result with what docker's profile (resolved by docker's own code for
// the same capabilities) says under libseccomp's and runc's rules.
func TestDefaultProfileMatchesDocker(t *testing.T) {
	t.Parallel()
	for name, caps := range capSets() {
		want, err := profiles.GetDefaultProfile(&specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{Bounding: caps}}})
		if err != nil {
			t.Fatal(err)
		}
		p, err := Resolve("", caps)
		if err != nil {
			t.Fatal(err)
		}
		f, err := compile(p, true) // with x32, whatever this kernel runs
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		vm := newVM(t, f)
		checked := 0
		for _, arch := range want.Architectures {
			tab, a := table(arch), abis[arch]
			if tab == nil {
				continue
			}
			maxNr := uint32(0)
			for _, sc := range want.Syscalls {
				for _, n := range sc.Names {
					if nr, ok := tab.lookup(n); ok {
						maxNr = max(maxNr, nr)
					}
				}
			}
			for nr := uint32(0); nr <= maxNr+64; nr++ {
				callName := ""
				for _, c := range tab.calls {
					if c.nr == nr {
						callName = c.name
					}
				}
				for _, args := range argCases(want, callName, a.narrow) {
					exp := expected(want, callName, args, nr > maxNr)
					got := vm.run(t, a.audit, nr|a.nrBit, args)
					if got != exp {
						t.Errorf("caps %s, %s %s (%d) args %#x: filter says %#x, docker's profile %#x", name, arch, callName, nr, args, got, exp)
					}
					checked++
				}
			}
		}
		if checked < 1000 {
			t.Fatalf("caps %s: only %d cases checked", name, checked)
		}
	}
}

// argCases are the argument vectors worth trying for a system call: the
// values its rules name, their neighbours, each bit of a mask, and (on
// 64-bit ABIs) the same with a high word set.
func argCases(p *specs.LinuxSeccomp, name string, narrow bool) [][6]uint64 {
	cases := [][6]uint64{{}}
	for _, sc := range p.Syscalls {
		if !slices.Contains(sc.Names, name) {
			continue
		}
		for _, c := range sc.Args {
			vals := []uint64{c.Value, c.Value + 1, c.Value - 1, c.ValueTwo, ^uint64(0)}
			if c.Op == specs.OpMaskedEqual {
				for b := 0; b < 64; b++ {
					if c.Value&(1<<b) != 0 {
						vals = append(vals, 1<<b, 1<<b|0x3d0f00) // one masked flag, with glibc's thread flags
					}
				}
				vals = append(vals, 0x3d0f00, 0x1200011)
			}
			if !narrow {
				for _, v := range vals {
					vals = append(vals, v|1<<32, v|1<<63)
				}
			}
			for _, v := range vals {
				if narrow {
					v &= 0xffffffff
				}
				var args [6]uint64
				args[c.Index] = v
				cases = append(cases, args)
			}
		}
	}
	return cases
}

// expected is the action docker's resolved profile gives: rules with
// conditions first (all must hold), then a rule without, then ENOSYS past
// the profile's highest number (runc), then the default action.
func expected(p *specs.LinuxSeccomp, name string, args [6]uint64, newer bool) uint32 {
	var uncond *uint32
	for _, sc := range p.Syscalls {
		if name == "" || !slices.Contains(sc.Names, name) {
			continue
		}
		act := mustAction(sc.Action, sc.ErrnoRet)
		if len(sc.Args) == 0 {
			if uncond == nil {
				uncond = &act
			}
			continue
		}
		all := true
		for _, c := range sc.Args {
			all = all && holds(c, args[c.Index])
		}
		if all {
			return act
		}
	}
	if uncond != nil {
		return *uncond
	}
	if newer {
		return unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)
	}
	return mustAction(p.DefaultAction, p.DefaultErrnoRet)
}

func holds(c specs.LinuxSeccompArg, v uint64) bool {
	switch c.Op {
	case specs.OpEqualTo:
		return v == c.Value
	case specs.OpNotEqual:
		return v != c.Value
	case specs.OpMaskedEqual:
		return v&c.Value == c.ValueTwo
	case specs.OpGreaterThan:
		return v > c.Value
	case specs.OpGreaterEqual:
		return v >= c.Value
	case specs.OpLessThan:
		return v < c.Value
	case specs.OpLessEqual:
		return v <= c.Value
	}
	panic(c.Op)
}

func mustAction(a specs.LinuxSeccompAction, errno *uint) uint32 {
	switch a {
	case specs.ActAllow:
		return 0x7fff0000
	case specs.ActErrno:
		e := uint32(1)
		if errno != nil {
			e = uint32(*errno)
		}
		return 0x00050000 | e
	}
	panic(a)
}

type vm struct{ *bpf.VM }

func newVM(t *testing.T, f *Filter) vm {
	t.Helper()
	var raw []bpf.RawInstruction
	for i := 0; i+8 <= len(f.Program); i += 8 {
		b := f.Program[i:]
		raw = append(raw, bpf.RawInstruction{
			Op: binary.NativeEndian.Uint16(b), Jt: b[2], Jf: b[3], K: binary.NativeEndian.Uint32(b[4:]),
		})
	}
	insns, ok := bpf.Disassemble(raw)
	if !ok {
		t.Fatal("the filter has instructions golang.org/x/net/bpf does not know")
	}
	v, err := bpf.NewVM(insns)
	if err != nil {
		t.Fatal(err)
	}
	return vm{v}
}

// run evaluates the filter on a struct seccomp_data. The interpreter
// loads words in network order, so each word is written that way: the
// filter sees the values the kernel would show it.
func (v vm) run(t *testing.T, audit, nr uint32, args [6]uint64) uint32 {
	t.Helper()
	data := make([]byte, 64)
	binary.BigEndian.PutUint32(data[0:], nr)
	binary.BigEndian.PutUint32(data[4:], audit)
	for i, a := range args {
		binary.BigEndian.PutUint32(data[16+8*i:], uint32(a))
		binary.BigEndian.PutUint32(data[20+8*i:], uint32(a>>32))
	}
	out, err := v.Run(data)
	if err != nil {
		t.Fatal(err)
	}
	return uint32(out)
}

func TestFilterRefusesOtherABIs(t *testing.T) {
	t.Parallel()
	p, err := Resolve("", dockerCaps)
	if err != nil {
		t.Fatal(err)
	}
	f, err := compile(p, false)
	if err != nil {
		t.Fatal(err)
	}
	v := newVM(t, f)
	if got := v.run(t, unix.AUDIT_ARCH_S390X, 1, [6]uint64{}); got != unix.SECCOMP_RET_KILL_PROCESS {
		t.Errorf("an ABI outside the profile gets %#x, want kill", got)
	}
	// a kernel without x32 answers ENOSYS to it: so does the filter
	if got := v.run(t, unix.AUDIT_ARCH_X86_64, x32Bit|unix.SYS_GETPID, [6]uint64{}); got != unix.SECCOMP_RET_ERRNO|uint32(unix.ENOSYS) {
		t.Errorf("x32 without the kernel's: %#x, want ENOSYS", got)
	}
	if got := v.run(t, unix.AUDIT_ARCH_X86_64, unix.SYS_GETPID, [6]uint64{}); got != unix.SECCOMP_RET_ALLOW {
		t.Errorf("getpid: %#x", got)
	}
	if n := len(f.Program) / 8; n > 700 {
		t.Errorf("docker's profile takes %d instructions: the kernel's load time grows with it", n)
	}
}

// TestTables checks the generated numbers against golang.org/x/sys's.
func TestTables(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]uint32{
		"read": unix.SYS_READ, "clone": unix.SYS_CLONE, "clone3": unix.SYS_CLONE3, "socket": unix.SYS_SOCKET,
		"personality": unix.SYS_PERSONALITY, "unshare": unix.SYS_UNSHARE, "keyctl": unix.SYS_KEYCTL,
		"bpf": unix.SYS_BPF, "mount": unix.SYS_MOUNT, "open_by_handle_at": unix.SYS_OPEN_BY_HANDLE_AT,
	} {
		if got, ok := Number(name); !ok || got != want {
			t.Errorf("Number(%q) = %d, %v; want %d", name, got, ok, want)
		}
	}
}

func TestCompileCustomProfile(t *testing.T) {
	t.Parallel()
	errno := uint(unix.EACCES)
	p := &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno, ErrnoRet: &errno},
			{Names: []string{"kill"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{
				{Index: 1, Value: 9, Op: specs.OpEqualTo}, {Index: 1, Value: 15, Op: specs.OpEqualTo},
			}},
			{Names: []string{"lseek"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{
				{Index: 1, Value: 100, Op: specs.OpGreaterThan}, {Index: 2, Value: 2, Op: specs.OpLessEqual},
			}},
		},
	}
	f, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	v := newVM(t, f)
	allow, eperm, eacces := uint32(unix.SECCOMP_RET_ALLOW), uint32(unix.SECCOMP_RET_ERRNO|1), uint32(unix.SECCOMP_RET_ERRNO|uint32(unix.EACCES))
	for _, tc := range []struct {
		nr   uint32
		args [6]uint64
		want uint32
	}{
		{unix.SYS_MKDIR, [6]uint64{}, eacces},
		{unix.SYS_READ, [6]uint64{}, allow},
		{unix.SYS_KILL, [6]uint64{1, 9}, eperm}, // two conditions on one argument: either
		{unix.SYS_KILL, [6]uint64{1, 15}, eperm},
		{unix.SYS_KILL, [6]uint64{1, 2}, allow},
		{unix.SYS_LSEEK, [6]uint64{0, 101, 2}, eperm}, // on two arguments: both
		{unix.SYS_LSEEK, [6]uint64{0, 101, 3}, allow},
		{unix.SYS_LSEEK, [6]uint64{0, 1 << 32, 0}, eperm},
		{unix.SYS_LSEEK, [6]uint64{0, 100, 0}, allow},
		{1000, [6]uint64{}, allow}, // allowed by default: no ENOSYS
	} {
		if got := v.run(t, unix.AUDIT_ARCH_X86_64, tc.nr, tc.args); got != tc.want {
			t.Errorf("nr %d args %v: got %#x, want %#x", tc.nr, tc.args, got, tc.want)
		}
	}
	if _, err := Compile(&specs.LinuxSeccomp{DefaultAction: specs.ActNotify}); err == nil {
		t.Error("SCMP_ACT_NOTIFY compiled")
	}
}

// The cache answers what Build does, and keeps one binary's entries.
func TestCached(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "other-binary"), 0o700); err != nil {
		t.Fatal(err)
	}
	want, err := Build("", dockerCaps)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // compiled, then read
		got, err := Cached(dir, "", dockerCaps)
		if err != nil || !bytes.Equal(got.Program, want.Program) || got.Flags != want.Flags {
			t.Fatalf("round %d: %v", i, err)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 || ents[0].Name() == "other-binary" {
		t.Errorf("cache directory holds %v", ents)
	}
	if f, err := Cached(dir, `{"defaultAction":"SCMP_ACT_ALLOW"}`, nil); err != nil || f == nil {
		t.Errorf("allow-all profile: %v %v", f, err)
	}
}

// Every comparison, on 64-bit arguments, agrees with its definition.
func TestComparisons(t *testing.T) {
	t.Parallel()
	for _, op := range []specs.LinuxSeccompOperator{specs.OpEqualTo, specs.OpNotEqual, specs.OpMaskedEqual,
		specs.OpGreaterThan, specs.OpGreaterEqual, specs.OpLessThan, specs.OpLessEqual} {
		for _, ref := range []uint64{0, 7, 1 << 32, 1<<32 + 7, ^uint64(0)} {
			c := specs.LinuxSeccompArg{Index: 2, Op: op, Value: ref, ValueTwo: ref & 0xf0000000f}
			p := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{
				{Names: []string{"read"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{c}},
			}}
			f, err := compile(p, false)
			if err != nil {
				t.Fatal(err)
			}
			v := newVM(t, f)
			for _, x := range []uint64{0, 1, 6, 7, 8, 1 << 32, 1<<32 + 6, 1<<32 + 7, 1<<32 + 8, 2 << 32, ^uint64(0) - 1, ^uint64(0)} {
				want := uint32(unix.SECCOMP_RET_ERRNO | 1)
				if holds(c, x) {
					want = unix.SECCOMP_RET_ALLOW
				}
				if got := v.run(t, unix.AUDIT_ARCH_X86_64, unix.SYS_READ, [6]uint64{2: x}); got != want {
					t.Errorf("%s %#x, argument %#x: %#x, want %#x", op, ref, x, got, want)
				}
			}
		}
	}
}
