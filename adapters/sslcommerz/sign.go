package sslcommerz

import (
	"crypto/md5" //nolint:gosec // SSLCommerz's verify_sign is MD5 (§4); not our choice.
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/paycore/paycore/ports"
)

// signedFields are the fields a return or IPN must have signed whenever it
// carries them: without them a correct verify_sign could cover a tampered
// amount or another transaction (verify_key lists what was signed, §4).
var signedFields = []string{"tran_id", "val_id", "amount", "currency", "status", "bank_tran_id", "store_id"}

// SignString is the string verify_sign is the MD5 of (§4): the fields named
// in verifyKey that are present in fields, plus store_passwd = hex MD5 of
// the store password, sorted by name, joined as k=v with "&", values raw.
func SignString(fields map[string]string, verifyKey, storePasswd string) string {
	kv := map[string]string{}
	for _, k := range strings.Split(verifyKey, ",") {
		if v, ok := fields[k]; ok && k != "" {
			kv[k] = v
		}
	}
	kv["store_passwd"] = md5hex(storePasswd)
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k + "=" + kv[k])
	}
	return b.String()
}

// Sign returns verify_sign for fields signed under verifyKey (§4).
func Sign(fields map[string]string, verifyKey, storePasswd string) string {
	return md5hex(SignString(fields, verifyKey, storePasswd))
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s)) //nolint:gosec // see the import
	return hex.EncodeToString(sum[:])
}

// VerifySign checks a return's or IPN's verify_sign against verify_key and
// the store password, in constant time (§4). It also refuses a verify_key
// that leaves out a field in signedFields that the post carries. Errors wrap
// ports.ErrBadReturn.
func VerifySign(fields map[string]string, storePasswd string) error {
	sign, key := fields["verify_sign"], fields["verify_key"]
	if sign == "" || key == "" {
		return fmt.Errorf("%w: sslcommerz: verify_sign or verify_key missing", ports.ErrBadReturn)
	}
	named := map[string]bool{}
	for _, k := range strings.Split(key, ",") {
		named[k] = true
	}
	for _, k := range signedFields {
		if _, ok := fields[k]; ok && !named[k] {
			return fmt.Errorf("%w: sslcommerz: verify_key does not cover %s", ports.ErrBadReturn, k)
		}
	}
	if !named["tran_id"] {
		return fmt.Errorf("%w: sslcommerz: verify_key does not cover tran_id", ports.ErrBadReturn)
	}
	want := Sign(fields, key, storePasswd)
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(sign)), []byte(want)) != 1 {
		return fmt.Errorf("%w: sslcommerz: verify_sign does not match", ports.ErrBadReturn)
	}
	return nil
}

// AuthenticateCallback implements ports.CallbackAuthenticator: a browser
// return or IPN must carry a correct verify_sign (VerifySign) and, when it
// names a store, this store. It proves the post came from SSLCommerz, not
// that money moved: Confirm validates.
func (c *Client) AuthenticateCallback(params map[string]string) error {
	if err := VerifySign(params, c.cfg.StorePasswd); err != nil {
		return err
	}
	if s, ok := params["store_id"]; ok && s != c.cfg.StoreID {
		return fmt.Errorf("%w: sslcommerz: post for another store", ports.ErrBadReturn)
	}
	return nil
}
