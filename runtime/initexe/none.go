//go:build !skiff_initexe

package initexe

// program is empty without the skiff_initexe tag: the roles run from
// skiff's own binary.
var program []byte
