// Command nocrypto links no crypto at all.
package main

import "fmt"

func main() { fmt.Println("no crypto here") }
