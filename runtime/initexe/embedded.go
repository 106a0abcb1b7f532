//go:build skiff_initexe

package initexe

import _ "embed"

// program is the roles' program (./program), built before skiff.
//
//go:embed skiff-initexe
var program []byte
