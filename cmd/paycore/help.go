package main

import (
	"fmt"
	"io"
	"slices"
)

// commandHelp is each command's --help: what it does, its flags and what
// it needs. Asking for help needs no database, key or server.
var commandHelp = map[string]string{
	"serve": `usage: paycore serve

Migrate DATABASE_URL, then serve HTTP (REST v1, GraphQL, hosted pages), the
background jobs and live updates on PAYCORE_ADDR. PAYCORE_SANDBOX=1 mounts
the simulators under /sandbox/… and seeds the demo client (demo_key /
demo_secret). Configuration is the environment (README "Configuration").
`,
	"migrate": `usage: paycore migrate

Apply paycore's and River's migrations to DATABASE_URL and exit.
`,
	"sandbox": `usage: paycore sandbox [--addr HOST:PORT] [--public-url URL] [--client-base-url URL]

Serve every simulator (bKash, Nagad, redirect gateway, SMS, sandbox merchant)
under /sandbox/… in this process, so paycore can restart while they keep
their state. Point paycore at it with PAYCORE_SANDBOX=1 PAYCORE_SANDBOX_URL=<url>.

  --addr             listen address (default $PAYCORE_SANDBOX_ADDR or 127.0.0.1:9090)
  --public-url       URL browsers and paycore reach the sandbox at (default http://<addr>)
  --client-base-url  the redirect gateway's expected client_base_url
`,
	"demo": `usage: paycore demo [--gateway bkash|nagad|redirectgw|sslcommerz] [--url URL] [--sandbox-url URL] [--wallet N] [--amount A]

Play merchant and customer against a running sandbox server: create a
payment, pay it on the gateway's simulator, print each status seen. Exits 0
only if the payment reached success.

  --gateway      bkash, nagad, redirectgw or sslcommerz (default bkash)
  --url          paycore base URL (default $PAYCORE_BASE_URL or http://127.0.0.1:8080)
  --sandbox-url  where the sandbox merchant is served (default: the paycore base URL)
  --wallet       customer wallet (default 01770618575)
  --amount       amount in BDT (default 250.00)
`,
	"clients": `usage: paycore clients create --name NAME [--webhook-url URL] [--commission-bps N] [--language en|bn]
       paycore clients suspend --id cli_…
       paycore clients activate --id cli_…

Manage merchants (clients) in DATABASE_URL (unset: make run's database, as
for every admin command). create prints the new client's
API key, secret and webhook secret once.

  --name            merchant name (create)
  --webhook-url     default webhook URL, checked as a payment's webhook_url: HTTPS
                    to a public host (sandbox mode: also plain http to loopback) (create)
  --commission-bps  platform commission in basis points, 0-10000 (create)
  --language        language of its SMS and payment pages: en or bn (create; default en)
  --id              client ID (suspend, activate)
`,
	"logs": `usage: paycore logs [--client cli_…] [--since 24h] [--limit 50]

Read the merchant API request log from DATABASE_URL (unset: make run's
database).
`,
	"search": `usage: paycore search --trx <bKash trxID>

Look a bKash transaction up at bKash (admins, disputes). Needs the bKash
configuration and DATABASE_URL (unset: make run's database).
`,
	"review": `usage: paycore review list [--status open|confirmed|rejected|all] [--limit 100]
       paycore review confirm --attempt att_… [--by NAME] [--note TEXT]
       paycore review reject --attempt att_… [--by NAME] [--note TEXT]

Decide attempts flagged for an operator (unverified redirect gateway
claims, verify mismatches) in DATABASE_URL (unset: make run's database).
`,
	"sms-balance": `usage: paycore sms-balance

Print the SMS provider's remaining credit (SMS_PROVIDER and its credentials).
`,
	"admin-token": `usage: paycore admin-token --name NAME [--ttl 1h]

Print a short-lived admin bearer token for /graphql, signed with
PAYCORE_TOKEN_KEY.
`,
}

// wantsHelp reports whether args ask for help anywhere (-h, -help, --help).
func wantsHelp(args []string) bool {
	return slices.ContainsFunc(args, func(a string) bool { return a == "-h" || a == "-help" || a == "--help" })
}

// printHelp writes cmd's help, or the general usage for an unknown cmd.
func printHelp(w io.Writer, cmd string) error {
	h, ok := commandHelp[cmd]
	if !ok {
		h = usage
	}
	_, err := fmt.Fprint(w, h)
	return err
}
