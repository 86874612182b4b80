// An independent reader of vitalsign's checkpoints: Go's
// golang.org/x/mod/sumdb/note (Debian golang-golang-x-mod-dev), which the
// transparency-log ecosystem uses for C2SP signed notes.
//
//	note_check verify VKEY_FILE NOTE_FILE   opens the note with the vkey; prints its text
//	note_check sign SKEY_FILE TEXT_FILE     signs the text with the skey; prints the note
//	note_check cosigned VKEY_FILE WITNESS_VKEY_FILE NOTE_FILE
//	                                        opens the note with the log's vkey and a
//	                                        witness's (type 0x04): both must verify
//
// The note package parses the note and matches key names and ids; it knows
// only Ed25519 (type 0x01) keys, so the witness's cosignature/v1 check
// (c2sp.org/tlog-cosignature) is written here, on Go's crypto/ed25519.
package main

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// A cosignature/v1 verifier for a vkey <name>+<hex id>+<base64(0x04 || key)>.
type cosigner struct {
	name string
	hash uint32
	key  ed25519.PublicKey
}

func (c cosigner) Name() string    { return c.name }
func (c cosigner) KeyHash() uint32 { return c.hash }
func (c cosigner) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	timestamp := binary.BigEndian.Uint64(sig[:8])
	signed := fmt.Sprintf("cosignature/v1\ntime %d\n%s", timestamp, msg)
	return ed25519.Verify(c.key, []byte(signed), sig[8:])
}

func newCosigner(vkey string) (cosigner, error) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 {
		return cosigner{}, fmt.Errorf("not a vkey")
	}
	hash, err := strconv.ParseUint(parts[1], 16, 32)
	if err != nil {
		return cosigner{}, err
	}
	key, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(key) != 33 || key[0] != 0x04 {
		return cosigner{}, fmt.Errorf("not an Ed25519 cosignature (0x04) vkey")
	}
	return cosigner{parts[0], uint32(hash), ed25519.PublicKey(key[1:])}, nil
}

func read(path string) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	return data
}

func main() {
	if len(os.Args) == 5 && os.Args[1] == "cosigned" {
		logKey, err := note.NewVerifier(strings.TrimSpace(string(read(os.Args[2]))))
		if err != nil {
			fmt.Fprintln(os.Stderr, "log vkey:", err)
			os.Exit(1)
		}
		witness, err := newCosigner(strings.TrimSpace(string(read(os.Args[3]))))
		if err != nil {
			fmt.Fprintln(os.Stderr, "witness vkey:", err)
			os.Exit(1)
		}
		opened, err := note.Open(read(os.Args[4]), note.VerifierList(logKey, witness))
		if err != nil {
			fmt.Fprintln(os.Stderr, "note:", err)
			os.Exit(1)
		}
		if len(opened.Sigs) != 2 {
			fmt.Fprintln(os.Stderr, "verified signatures:", len(opened.Sigs), "(want the log's and the witness's)")
			os.Exit(1)
		}
		fmt.Print(opened.Text)
		return
	}
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: note_check verify VKEY NOTE | sign SKEY TEXT | cosigned VKEY WITNESS_VKEY NOTE")
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
