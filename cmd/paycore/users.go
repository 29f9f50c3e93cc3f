package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// cmdUsers: paycore users create --email E --role admin|support|merchant
// [--client cli_…] [--password P] | disable --email E | enable --email E |
// reset-password --email E [--password P] | list. Without --password a
// password is generated and printed once on stdout. Disabling or resetting
// a password ends the user's sessions (its sockets close within seconds).
func cmdUsers(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	db, _, err := openAdminDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	return runUsers(ctx, app.NewUsers(db, db, ports.SystemClock{}, 0), args, stdout, stderr)
}

func runUsers(ctx context.Context, users *app.Users, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: paycore users create|disable|enable|reset-password|list [flags]")
	}
	fs := flag.NewFlagSet("users "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "the user's email")
	role := fs.String("role", "", "admin, support or merchant (create)")
	client := fs.String("client", "", "the merchant user's client ID (create --role merchant)")
	password := fs.String("password", "", "the password (create, reset-password); generated when omitted")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if args[0] != "list" && *email == "" {
		return errors.New("--email is required")
	}
	switch args[0] {
	case "create":
		u, pw, err := users.Create(ctx, *email, domain.Role(*role), *client, *password)
		if err != nil {
			return describe(err)
		}
		if _, err := fmt.Fprintf(stdout, "created %s %s (%s)\n", u.Role, u.Email, u.ID); err != nil {
			return err
		}
		if *password == "" {
			if _, err := fmt.Fprintf(stdout, "password: %s\n", pw); err != nil {
				return err
			}
			_, _ = fmt.Fprintln(stderr, "Store the password now: it is never shown again.")
		}
		return nil
	case "disable", "enable":
		u, err := users.SetDisabled(ctx, *email, args[0] == "disable")
		if err != nil {
			return describe(err)
		}
		if _, err := fmt.Fprintf(stdout, "%s %sd\n", u.Email, args[0]); err != nil {
			return err
		}
		return nil
	case "reset-password":
		pw, err := users.ResetPassword(ctx, *email, *password)
		if err != nil {
			return describe(err)
		}
		if _, err := fmt.Fprintf(stdout, "password of %s reset; its sessions ended\n", *email); err != nil {
			return err
		}
		if *password == "" {
			if _, err := fmt.Fprintf(stdout, "password: %s\n", pw); err != nil {
				return err
			}
		}
		return nil
	case "list":
		list, err := users.List(ctx)
		if err != nil {
			return err
		}
		for _, u := range list {
			state := "enabled"
			if u.Disabled {
				state = "disabled"
			}
			if _, err := fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Role, u.ClientID, state, u.CreatedAt.Format(time.RFC3339)); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unknown users command %q", args[0])
}

// describe turns a validation error into its fields' messages.
func describe(err error) error {
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		return fmt.Errorf("invalid: %v", ve.Fields)
	}
	if errors.Is(err, domain.ErrNotFound) {
		return fmt.Errorf("not found: %w", err)
	}
	return err
}
