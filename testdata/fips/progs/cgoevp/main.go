// Command cgoevp hashes through OpenSSL's EVP API called directly with
// cgo, linked against the system libcrypto.
package main

/*
#cgo LDFLAGS: -lcrypto
#include <openssl/evp.h>

static int sha256(const unsigned char *in, size_t n, unsigned char *out) {
	unsigned int len = 0;
	return EVP_Digest(in, n, out, &len, EVP_sha256(), NULL);
}
*/
import "C"

import (
	"fmt"
	"unsafe"
)

func main() {
	msg := []byte("sc8scan")
	var out [32]byte
	if C.sha256((*C.uchar)(unsafe.Pointer(&msg[0])), C.size_t(len(msg)), (*C.uchar)(unsafe.Pointer(&out[0]))) != 1 {
		panic("EVP_Digest failed")
	}
	fmt.Printf("%x\n", out)
}
