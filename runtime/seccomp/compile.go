package seccomp

import (
	"fmt"
	"slices"
	"sync"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Filter is a compiled profile, what Install loads.
type Filter struct {
	// Program holds the BPF instructions (struct sock_filter, 8 bytes
	// each, in this machine's byte order).
	Program []byte
	// Flags are the SECCOMP_FILTER_FLAG_* the profile asks for.
	Flags uint
}

// Offsets in struct seccomp_data.
const (
	offNr   = 0
	offArch = 4
	offArgs = 16
)

// rule is one way a system call can match: every condition holds.
type rule struct {
	conds  []specs.LinuxSeccompArg
	action uint32
}

// callRules are the rules of one system call number: the conditional
// ones are tried in the profile's order, then the unconditional action
// (the default when there is none), as libseccomp orders them.
type callRules struct {
	conds  []rule
	uncond *uint32
}

// Compile turns a resolved profile into a filter. System call names
// unknown on an ABI are skipped there (profiles name the calls of every
// architecture), as runc does.
func Compile(p *specs.LinuxSeccomp) (*Filter, error) {
	return compile(p, x32Enabled())
}

// x32Enabled tells whether the kernel runs x32 system calls (most
// distributions build the ABI but leave it off): without it the filter
// needs no x32 section, and answers ENOSYS as the kernel would.
var x32Enabled = sync.OnceValue(func() bool {
	if tables[0].arch != specs.ArchX86_64 {
		return false
	}
	_, _, e := unix.RawSyscall(x32Bit|unix.SYS_GETPID, 0, 0, 0)
	return e != unix.ENOSYS
})

func compile(p *specs.LinuxSeccomp, x32 bool) (*Filter, error) {
	if len(tables) == 0 {
		return nil, fmt.Errorf("skiff has no system call table for this architecture: use --security-opt seccomp=unconfined")
	}
	def, err := action(p.DefaultAction, p.DefaultErrnoRet)
	if err != nil {
		return nil, err
	}
	flags, err := filterFlags(p.Flags)
	if err != nil {
		return nil, err
	}
	arches := p.Architectures
	if len(arches) == 0 || !slices.Contains(arches, tables[0].arch) {
		arches = append([]specs.Arch{tables[0].arch}, arches...)
	}
	var sections []*section
	x32Off := false
	for _, arch := range arches {
		t := table(arch)
		a, ok := abis[arch]
		if t == nil || !ok {
			continue // an ABI this machine cannot run
		}
		if a.nrBit != 0 && !x32 {
			x32Off = true
			continue
		}
		s, err := buildSection(p, t, a, def)
		if err != nil {
			return nil, err
		}
		sections = append(sections, s)
	}
	prog, err := emit(sections, x32Off)
	if err != nil {
		return nil, err
	}
	return &Filter{Program: encode(prog), Flags: flags}, nil
}

// section is the part of the filter for one ABI.
type section struct {
	abi   abi
	calls []*callRules // by number, less the ABI's bit
	maxNr uint32       // the highest number the profile names
	def   uint32
}

func buildSection(p *specs.LinuxSeccomp, t *syscallTable, a abi, def uint32) (*section, error) {
	s := &section{abi: a, def: def}
	top := uint32(0)
	for _, c := range t.calls {
		top = max(top, c.nr)
	}
	s.calls = make([]*callRules, top+1)
	for _, sc := range p.Syscalls {
		act, err := action(sc.Action, sc.ErrnoRet)
		if err != nil {
			return nil, err
		}
		for _, c := range sc.Args {
			if c.Index > 5 {
				return nil, fmt.Errorf("seccomp profile: argument index %d of %v is out of range (0 to 5)", c.Index, sc.Names)
			}
			if _, ok := compareOps[c.Op]; !ok {
				return nil, fmt.Errorf("seccomp profile: unknown comparison %q", c.Op)
			}
		}
		for _, name := range sc.Names {
			nr, ok := t.lookup(name)
			if !ok {
				continue
			}
			s.maxNr = max(s.maxNr, nr|a.nrBit)
			cr := s.calls[nr]
			if cr == nil {
				cr = &callRules{}
				s.calls[nr] = cr
			}
			cr.add(sc.Args, act)
		}
	}
	return s, nil
}

// add adds a profile rule. Conditions on different arguments must all
// hold; several on one argument are alternatives, each a rule of its own
// (runc's reading, as libseccomp cannot AND them).
func (cr *callRules) add(args []specs.LinuxSeccompArg, act uint32) {
	switch {
	case len(args) == 0:
		if cr.uncond == nil {
			cr.uncond = &act
		}
	case repeatsIndex(args):
		for _, c := range args {
			cr.conds = append(cr.conds, rule{conds: []specs.LinuxSeccompArg{c}, action: act})
		}
	default:
		cr.conds = append(cr.conds, rule{conds: args, action: act})
	}
}

func repeatsIndex(args []specs.LinuxSeccompArg) bool {
	seen := map[uint]bool{}
	for _, c := range args {
		if seen[c.Index] {
			return true
		}
		seen[c.Index] = true
	}
	return false
}

// plain returns the action of a call without conditions.
func (cr *callRules) plain(def uint32) (uint32, bool) {
	if len(cr.conds) > 0 {
		return 0, false
	}
	if cr.uncond != nil {
		return *cr.uncond, true
	}
	return def, true
}

// segment is a run of consecutive numbers with one plain action, or one
// number with conditions.
type segment struct {
	lo, hi uint32
	rules  *callRules
}

func (s *section) segments() []segment {
	var out []segment
	for i, cr := range s.calls {
		if cr == nil {
			continue
		}
		nr := uint32(i) | s.abi.nrBit
		act, plain := cr.plain(s.def)
		if plain && act == s.def {
			continue // the same as not being named
		}
		if n := len(out); n > 0 && plain && out[n-1].hi+1 == nr {
			if prev, ok := out[n-1].rules.plain(s.def); ok && prev == act {
				out[n-1].hi = nr
				continue
			}
		}
		out = append(out, segment{lo: nr, hi: nr, rules: cr})
	}
	return out
}

// emit lays out the filter: dispatch on the ABI, then for each section
// a binary search of its system call numbers. x32Off says the profile
// allows x32 but the kernel does not run it.
func emit(sections []*section, x32Off bool) ([]unix.SockFilter, error) {
	var a assembler
	a.ldAbs(offArch)
	entry := map[*section]label{}
	x32 := map[uint32]*section{} // the x32 section of an audit arch
	for _, s := range sections {
		entry[s] = a.newLabel()
		if s.abi.nrBit != 0 {
			x32[s.abi.audit] = s
		}
	}
	seen := map[uint32]bool{}
	for _, s := range sections {
		if s.abi.nrBit != 0 || seen[s.abi.audit] {
			continue
		}
		seen[s.abi.audit] = true
		skip := a.newLabel()
		a.jmp(unix.BPF_JEQ, s.abi.audit, next, skip)
		a.jumpTo(entry[s])
		a.bind(skip)
	}
	a.ret(unix.SECCOMP_RET_KILL_PROCESS) // an ABI the profile does not allow
	for _, s := range sections {
		if s.abi.nrBit != 0 && !seen[s.abi.audit] {
			continue // x32 without its x86_64: unreachable
		}
		a.bind(entry[s])
		a.ldAbs(offNr)
		if s.abi.nrBit == 0 && s.abi.audit == unix.AUDIT_ARCH_X86_64 {
			// x32 numbers carry a bit: their own section, ENOSYS when
			// the kernel has no x32, or an ABI the profile does not allow.
			other := a.newLabel()
			a.jmp(unix.BPF_JGE, x32Bit, next, other)
			switch xs := x32[s.abi.audit]; {
			case xs != nil:
				a.jumpTo(entry[xs])
			case x32Off:
				a.ret(unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS))
			default:
				a.ret(unix.SECCOMP_RET_KILL_PROCESS)
			}
			a.bind(other)
		}
		s.emit(&a)
	}
	return a.assemble()
}

// emit writes the section's search; the system call number is in A.
func (s *section) emit(a *assembler) {
	// Past every number the profile names: a system call newer than the
	// profile gets ENOSYS, so that a C library falls back from it (runc).
	tail := s.def
	if s.def != unix.SECCOMP_RET_ALLOW && s.def != unix.SECCOMP_RET_LOG {
		tail = unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)
	}
	known := a.newLabel()
	a.jmp(unix.BPF_JGT, s.maxNr, next, known)
	a.ret(tail)
	a.bind(known)
	s.emitTree(a, s.intervals())
}

// interval is a range of numbers, from lo to the next interval's lo, with
// one answer: the default (rules nil), a plain action or rules.
type interval struct {
	lo    uint32
	rules *callRules
}

// intervals cut the numbers up to the profile's highest into ranges of
// one answer each.
func (s *section) intervals() []interval {
	var out []interval
	pos := s.abi.nrBit
	for _, seg := range s.segments() {
		if seg.lo > pos {
			out = append(out, interval{lo: pos})
		}
		out = append(out, interval{lo: seg.lo, rules: seg.rules})
		pos = seg.hi + 1
	}
	if pos <= s.maxNr || len(out) == 0 {
		out = append(out, interval{lo: pos})
	}
	return out
}

// emitTree writes a binary search of the intervals, so that a lookup
// takes a few instructions and the filter stays small: the kernel runs
// and translates the whole filter when it loads it, at a cost that grows
// with its size, and every container start pays it.
func (s *section) emitTree(a *assembler, iv []interval) {
	if len(iv) == 1 {
		switch act, plain := iv[0].rules.plainOr(s.def); {
		case plain:
			a.ret(act)
		default:
			s.emitRules(a, iv[0].rules)
		}
		return
	}
	mid := len(iv) / 2
	right := a.newLabel()
	if s.treeSize(iv[:mid]) <= 255 {
		a.jmp(unix.BPF_JGE, iv[mid].lo, right, next)
	} else {
		left := a.newLabel()
		a.jmp(unix.BPF_JGE, iv[mid].lo, next, left)
		a.jumpTo(right)
		a.bind(left)
	}
	s.emitTree(a, iv[:mid])
	a.bind(right)
	s.emitTree(a, iv[mid:])
}

func (s *section) treeSize(iv []interval) int {
	var b assembler
	s.emitTree(&b, iv)
	return len(b.prog)
}

// plainOr is plain for a call that may have no rules at all.
func (cr *callRules) plainOr(def uint32) (uint32, bool) {
	if cr == nil {
		return def, true
	}
	return cr.plain(def)
}

func (s *section) emitRules(a *assembler, cr *callRules) {
	for i := 0; i < len(cr.conds); {
		if n := s.equalRun(cr.conds[i:]); n > 1 {
			s.emitEqualRun(a, cr.conds[i:i+n])
			i += n
			continue
		}
		r := cr.conds[i]
		fail := a.newLabel()
		for _, c := range r.conds {
			emitCond(a, c, s.abi.narrow, fail)
		}
		a.ret(r.action)
		a.bind(fail)
		i++
	}
	if cr.uncond != nil {
		a.ret(*cr.uncond)
	} else {
		a.ret(s.def)
	}
}

// equalRun counts the rules at the start of rules that each test one
// argument, the same one, for equality with values of the same high
// word, with the same action (docker's socket families and
// personalities): they share their loads.
func (s *section) equalRun(rules []rule) int {
	first := rules[0]
	if len(first.conds) != 1 || first.conds[0].Op != specs.OpEqualTo {
		return 0
	}
	n := 0
	for _, r := range rules {
		c := r.conds[0]
		if len(r.conds) != 1 || c.Op != specs.OpEqualTo || c.Index != first.conds[0].Index || r.action != first.action ||
			(!s.abi.narrow && c.Value>>32 != first.conds[0].Value>>32) || n == 200 {
			break
		}
		n++
	}
	return n
}

func (s *section) emitEqualRun(a *assembler, rules []rule) {
	c0 := rules[0].conds[0]
	lo := uint32(offArgs + 8*c0.Index)
	fail, match := a.newLabel(), a.newLabel()
	if !s.abi.narrow {
		a.ldAbs(lo + 4)
		a.jmp(unix.BPF_JEQ, uint32(c0.Value>>32), next, fail)
	}
	a.ldAbs(lo)
	for _, r := range rules {
		a.jmp(unix.BPF_JEQ, uint32(r.conds[0].Value), match, next)
	}
	a.jumpTo(fail)
	a.bind(match)
	a.ret(rules[0].action)
	a.bind(fail)
}

var compareOps = map[specs.LinuxSeccompOperator]bool{
	specs.OpEqualTo: true, specs.OpNotEqual: true, specs.OpMaskedEqual: true,
	specs.OpGreaterThan: true, specs.OpGreaterEqual: true, specs.OpLessThan: true, specs.OpLessEqual: true,
}

// emitCond writes a test of one argument that falls through when it
// holds and jumps to fail when not. Arguments are 64 bits (two words,
// high then low) except on 32-bit ABIs, where only the low word counts.
func emitCond(a *assembler, c specs.LinuxSeccompArg, narrow bool, fail label) {
	lo := uint32(offArgs + 8*c.Index)
	hi := lo + 4
	v := c.Value
	vhi, vlo := uint32(v>>32), uint32(v)
	pass := a.newLabel()
	switch c.Op {
	case specs.OpEqualTo:
		if !narrow {
			a.ldAbs(hi)
			a.jmp(unix.BPF_JEQ, vhi, next, fail)
		}
		a.ldAbs(lo)
		a.jmp(unix.BPF_JEQ, vlo, next, fail)
	case specs.OpNotEqual:
		if !narrow {
			a.ldAbs(hi)
			a.jmp(unix.BPF_JEQ, vhi, next, pass)
		}
		a.ldAbs(lo)
		a.jmp(unix.BPF_JEQ, vlo, fail, next)
	case specs.OpMaskedEqual: // (arg & Value) == ValueTwo
		w := c.ValueTwo
		if !narrow {
			a.ldAbs(hi)
			a.and(vhi)
			a.jmp(unix.BPF_JEQ, uint32(w>>32), next, fail)
		}
		a.ldAbs(lo)
		a.and(vlo)
		a.jmp(unix.BPF_JEQ, uint32(w), next, fail)
	default: // >, >=, and < and <=, which are not >= and not >
		win, lose := pass, fail
		if c.Op == specs.OpLessThan || c.Op == specs.OpLessEqual {
			win, lose = fail, pass
		}
		if !narrow {
			a.ldAbs(hi)
			a.jmp(unix.BPF_JGT, vhi, win, next)
			a.jmp(unix.BPF_JEQ, vhi, next, lose)
		}
		a.ldAbs(lo)
		op := uint16(unix.BPF_JGE)
		if c.Op == specs.OpGreaterThan || c.Op == specs.OpLessEqual {
			op = unix.BPF_JGT
		}
		a.jmp(op, vlo, win, lose)
	}
	a.bind(pass)
}

// action is the SECCOMP_RET_* value of a profile action.
func action(a specs.LinuxSeccompAction, errnoRet *uint) (uint32, error) {
	errno := uint32(unix.EPERM)
	if errnoRet != nil {
		errno = uint32(*errnoRet) & unix.SECCOMP_RET_DATA
	}
	switch a {
	case specs.ActAllow:
		return unix.SECCOMP_RET_ALLOW, nil
	case specs.ActErrno:
		return unix.SECCOMP_RET_ERRNO | errno, nil
	case specs.ActKill, specs.ActKillThread:
		return unix.SECCOMP_RET_KILL_THREAD, nil
	case specs.ActKillProcess:
		return unix.SECCOMP_RET_KILL_PROCESS, nil
	case specs.ActTrap:
		return unix.SECCOMP_RET_TRAP, nil
	case specs.ActTrace:
		return unix.SECCOMP_RET_TRACE | errno, nil
	case specs.ActLog:
		return unix.SECCOMP_RET_LOG, nil
	case specs.ActNotify:
		return 0, fmt.Errorf("seccomp profile: SCMP_ACT_NOTIFY needs a listener, which skiff does not run")
	}
	return 0, fmt.Errorf("seccomp profile: unknown action %q", a)
}

func filterFlags(names []specs.LinuxSeccompFlag) (uint, error) {
	var f uint
	for _, n := range names {
		switch n {
		case specs.LinuxSeccompFlagLog:
			f |= unix.SECCOMP_FILTER_FLAG_LOG
		case specs.LinuxSeccompFlagSpecAllow:
			f |= unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW
		case specs.LinuxSeccompFlagWaitKillableRecv:
			f |= unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
		default:
			return 0, fmt.Errorf("seccomp profile: unsupported flag %q", n)
		}
	}
	return f, nil
}

// encode lays the instructions out as the kernel reads them.
func encode(prog []unix.SockFilter) []byte {
	if len(prog) == 0 {
		return nil
	}
	size := int(unsafe.Sizeof(prog[0]))
	return append([]byte(nil), unsafe.Slice((*byte)(unsafe.Pointer(&prog[0])), len(prog)*size)...)
}
