package seccomp

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// label names an instruction a jump goes to, bound later.
type label int

// next is the label of the instruction after a jump.
const next label = -1

// insn is one BPF instruction; jumps name their targets by label.
type insn struct {
	code   uint16
	k      uint32
	jt, jf label // conditional jumps
	ja     label // unconditional jumps
}

// assembler collects instructions and resolves jump labels; a
// conditional jump reaches 255 instructions at most, JA any distance.
type assembler struct {
	prog   []insn
	labels []int // label -> instruction index, -1 until bound
}

func (a *assembler) newLabel() label {
	a.labels = append(a.labels, -1)
	return label(len(a.labels) - 1)
}

func (a *assembler) bind(l label) { a.labels[l] = len(a.prog) }

func (a *assembler) ldAbs(off uint32) {
	a.prog = append(a.prog, insn{code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, k: off})
}

func (a *assembler) and(k uint32) {
	a.prog = append(a.prog, insn{code: unix.BPF_ALU | unix.BPF_AND | unix.BPF_K, k: k})
}

func (a *assembler) ret(k uint32) {
	a.prog = append(a.prog, insn{code: unix.BPF_RET | unix.BPF_K, k: k})
}

// jmp is a conditional jump: op is BPF_JEQ, BPF_JGT, BPF_JGE or BPF_JSET.
func (a *assembler) jmp(op uint16, k uint32, jt, jf label) {
	a.prog = append(a.prog, insn{code: unix.BPF_JMP | op | unix.BPF_K, k: k, jt: jt, jf: jf})
}

func (a *assembler) jumpTo(l label) {
	a.prog = append(a.prog, insn{code: unix.BPF_JMP | unix.BPF_JA, ja: l})
}

// assemble resolves the labels.
func (a *assembler) assemble() ([]unix.SockFilter, error) {
	out := make([]unix.SockFilter, len(a.prog))
	for i, in := range a.prog {
		f := unix.SockFilter{Code: in.code, K: in.k}
		switch {
		case in.code == unix.BPF_JMP|unix.BPF_JA:
			off, err := a.offset(i, in.ja, 1<<31)
			if err != nil {
				return nil, err
			}
			f.K = uint32(off)
		case in.code&0x07 == unix.BPF_JMP:
			jt, err := a.offset(i, in.jt, 255)
			if err != nil {
				return nil, err
			}
			jf, err := a.offset(i, in.jf, 255)
			if err != nil {
				return nil, err
			}
			f.Jt, f.Jf = uint8(jt), uint8(jf)
		}
		out[i] = f
	}
	if len(out) > unix.BPF_MAXINSNS {
		return nil, fmt.Errorf("the seccomp profile needs %d BPF instructions, more than the kernel's %d", len(out), unix.BPF_MAXINSNS)
	}
	return out, nil
}

func (a *assembler) offset(from int, l label, limit int) (int, error) {
	if l == next {
		return 0, nil
	}
	to := a.labels[l]
	off := to - from - 1
	if to < 0 || off < 0 || off > limit {
		return 0, fmt.Errorf("internal error: a seccomp filter jump from %d to %d does not fit", from, to)
	}
	return off, nil
}
