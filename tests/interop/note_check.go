// An independent reader of vitalsign's checkpoints: Go's
// golang.org/x/mod/sumdb/note (Debian golang-golang-x-mod-dev), which the
// transparency-log ecosystem uses for C2SP signed notes.
//
//	note_check verify VKEY_FILE NOTE_FILE   opens the note with the vkey; prints its text
//	note_check sign SKEY_FILE TEXT_FILE     signs the text with the skey; prints the note
package main

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

func read(path string) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	return data
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: note_check verify VKEY NOTE | sign SKEY TEXT")
		os.Exit(2)
	}
	key := strings.TrimSpace(string(read(os.Args[2])))
	switch os.Args[1] {
	case "verify":
		verifier, err := note.NewVerifier(key)
		if err != nil {
			fmt.Fprintln(os.Stderr, "vkey:", err)
			os.Exit(1)
		}
		opened, err := note.Open(read(os.Args[3]), note.VerifierList(verifier))
		if err != nil {
			fmt.Fprintln(os.Stderr, "note:", err)
			os.Exit(1)
		}
		fmt.Print(opened.Text)
	case "sign":
		signer, err := note.NewSigner(key)
		if err != nil {
			fmt.Fprintln(os.Stderr, "skey:", err)
			os.Exit(1)
		}
		signed, err := note.Sign(&note.Note{Text: string(read(os.Args[3]))}, signer)
		if err != nil {
			fmt.Fprintln(os.Stderr, "sign:", err)
			os.Exit(1)
		}
		os.Stdout.Write(signed)
	default:
		os.Exit(2)
	}
}
