// Package ssh reads what an SSH server offers: its banner and the key
// exchange, host-key, cipher and MAC algorithms of its KEXINIT. It sends
// its own banner and KEXINIT and stops there: no key exchange, no
// authentication. It does not judge the algorithms.
package ssh
