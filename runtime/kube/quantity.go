package kube

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// quantity reads a Kubernetes quantity (k8s.io/apimachinery's
// resource.Quantity): a signed decimal number, then a binary suffix
// (Ki…Ei), a decimal one (n, u, m, k, M, G, T, P, E) or a decimal
// exponent (e3, E-2). It returns the value in base units.
func quantity(q string) (float64, error) {
	num, mult := q, 1.0
	for _, u := range []struct {
		suffix string
		mult   float64
	}{
		{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"Ti", 1 << 40}, {"Pi", 1 << 50}, {"Ei", 1 << 60},
		{"n", 1e-9}, {"u", 1e-6}, {"m", 1e-3}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}, {"P", 1e15}, {"E", 1e18},
	} {
		if n, ok := strings.CutSuffix(q, u.suffix); ok {
			num, mult = n, u.mult
			break
		}
	}
	if i := strings.IndexAny(num, "eE"); i > 0 && mult == 1 {
		exp, err := strconv.Atoi(num[i+1:])
		if err != nil {
			return 0, fmt.Errorf("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
		}
		num, mult = num[:i], math.Pow10(exp)
	}
	digits := strings.TrimLeft(num, "+-")
	if len(num)-len(digits) > 1 || digits == "" || digits == "." || strings.Trim(digits, "0123456789.") != "" || strings.Count(digits, ".") > 1 {
		return 0, fmt.Errorf("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid quantity %q", q)
	}
	return f * mult, nil
}

// nonNegative is a quantity that must not be below zero, as every
// resource quantity.
func nonNegative(q string) (float64, error) {
	f, err := quantity(q)
	if err == nil && f < 0 {
		err = fmt.Errorf("must be greater than or equal to 0")
	}
	return f, err
}

// quantityBytes reads a memory quantity as whole bytes (rounded up, as
// Kubernetes does).
func quantityBytes(q string) (int64, error) {
	f, err := nonNegative(q)
	if err != nil {
		return 0, err
	}
	if f > 0 && f < 1 {
		return 0, fmt.Errorf("quantity %q is less than a byte (m is a thousandth: write Mi for mebibytes)", q)
	}
	return int64(math.Ceil(f - 1e-9)), nil
}

// quantityMilli reads a CPU quantity in thousandths of a CPU (rounded
// up).
func quantityMilli(q string) (int64, error) {
	f, err := nonNegative(q)
	return int64(math.Ceil(f*1000 - 1e-9)), err
}
