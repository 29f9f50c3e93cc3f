package app_test

import (
	"errors"
	"testing"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
)

// Every role against every action, on its own and on another client's
// records.
func TestAuthorize(t *testing.T) {
	admin := app.Principal{Admin: true, Role: domain.RoleAdmin, UserID: "usr_a"}
	support := app.Principal{Admin: true, Role: domain.RoleSupport, UserID: "usr_s"}
	adminToken := app.Principal{Admin: true}
	merchant := app.Principal{ClientID: "cli_a", Role: domain.RoleMerchant, UserID: "usr_m"}
	hmac := app.Principal{ClientID: "cli_a", APIKey: "k"}
	scoped := app.Principal{ClientID: "cli_a", TransactionID: "txn_1"}
	own := app.Resource{ClientID: "cli_a", PaymentID: "txn_1"}
	ownOther := app.Resource{ClientID: "cli_a", PaymentID: "txn_2"}
	other := app.Resource{ClientID: "cli_b", PaymentID: "txn_9"}
	all := []app.Action{app.ActRead, app.ActRefund, app.ActRedeliver, app.ActDecideReview, app.ActRotateKeys, app.ActManageClient, app.ActOperate}
	type want map[app.Action]error
	ok, forbidden, notFound := error(nil), domain.ErrForbidden, domain.ErrNotFound
	cases := []struct {
		name string
		pr   app.Principal
		res  app.Resource
		want want
	}{
		{"admin other", admin, other, want{}},
		{"support other", support, other, want{app.ActRefund: forbidden, app.ActRotateKeys: forbidden, app.ActManageClient: forbidden}},
		{"admin token other", adminToken, other, want{app.ActRefund: forbidden, app.ActRotateKeys: forbidden, app.ActManageClient: forbidden}},
		{"merchant own", merchant, own, want{app.ActDecideReview: forbidden, app.ActManageClient: forbidden, app.ActOperate: forbidden}},
		{"merchant other", merchant, other, want{app.ActRead: notFound, app.ActRefund: notFound, app.ActRedeliver: notFound, app.ActRotateKeys: notFound,
			app.ActDecideReview: forbidden, app.ActManageClient: forbidden, app.ActOperate: forbidden}},
		{"hmac other", hmac, other, want{app.ActRead: notFound, app.ActRefund: notFound, app.ActRedeliver: notFound, app.ActRotateKeys: notFound,
			app.ActDecideReview: forbidden, app.ActManageClient: forbidden, app.ActOperate: forbidden}},
		{"merchant platform-wide", merchant, app.Resource{}, want{app.ActRead: notFound, app.ActRefund: notFound, app.ActRedeliver: notFound, app.ActRotateKeys: notFound,
			app.ActDecideReview: forbidden, app.ActManageClient: forbidden, app.ActOperate: forbidden}},
		{"scoped own payment", scoped, own, want{app.ActRefund: notFound, app.ActRedeliver: notFound, app.ActRotateKeys: notFound,
			app.ActDecideReview: forbidden, app.ActManageClient: forbidden, app.ActOperate: forbidden}},
		{"scoped other payment", scoped, ownOther, want{app.ActRead: notFound, app.ActRefund: notFound, app.ActRedeliver: notFound, app.ActRotateKeys: notFound,
			app.ActDecideReview: forbidden, app.ActManageClient: forbidden, app.ActOperate: forbidden}},
	}
	for _, c := range cases {
		for _, act := range all {
			w := c.want[act]
			if _, listed := c.want[act]; !listed {
				w = ok
			}
			if got := app.Authorize(c.pr, act, c.res); !errors.Is(got, w) || (w == nil) != (got == nil) {
				t.Errorf("%s %s: %v, want %v", c.name, act, got, w)
			}
		}
	}
	if _, err := app.ScopeClient(merchant, "cli_b"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("merchant listing another client: %v", err)
	}
	if c, err := app.ScopeClient(merchant, ""); c != "cli_a" || err != nil {
		t.Errorf("merchant scope: %q %v", c, err)
	}
	if c, err := app.ScopeClient(support, "cli_b"); c != "cli_b" || err != nil {
		t.Errorf("support scope: %q %v", c, err)
	}
	if _, err := app.ScopeClient(scoped, ""); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("scoped token listing: %v", err)
	}
}

// The merchant API's fields and the operators' switches: every principal
// against the edge-level actions (what graph's resolvers ask).
func TestAuthorizeMerchantAPI(t *testing.T) {
	admin := app.Principal{Admin: true, Role: domain.RoleAdmin, UserID: "usr_a"}
	support := app.Principal{Admin: true, Role: domain.RoleSupport, UserID: "usr_s"}
	adminToken := app.Principal{Admin: true}
	merchant := app.Principal{ClientID: "cli_a", Role: domain.RoleMerchant, UserID: "usr_m"}
	hmac := app.Principal{ClientID: "cli_a", APIKey: "k"}
	scoped := app.Principal{ClientID: "cli_a", TransactionID: "txn_1"}
	nobody := app.Principal{}
	ok, forbidden, notFound, unauth := error(nil), domain.ErrForbidden, domain.ErrNotFound, domain.ErrUnauthenticated
	pay1, pay2 := app.Resource{PaymentID: "txn_1"}, app.Resource{PaymentID: "txn_2"}
	cases := []struct {
		name string
		pr   app.Principal
		act  app.Action
		res  app.Resource
		want error
	}{
		{"admin merchant field", admin, app.ActMerchant, app.Resource{}, forbidden},
		{"support merchant field", support, app.ActMerchant, app.Resource{}, forbidden},
		{"admin token merchant field", adminToken, app.ActMerchant, app.Resource{}, forbidden},
		{"merchant user merchant field", merchant, app.ActMerchant, app.Resource{}, ok},
		{"hmac merchant field", hmac, app.ActMerchant, app.Resource{}, ok},
		{"scoped merchant field", scoped, app.ActMerchant, app.Resource{}, forbidden},
		{"nobody merchant field", nobody, app.ActMerchant, app.Resource{}, unauth},

		{"admin list", admin, app.ActList, app.Resource{}, ok},
		{"support list", support, app.ActList, app.Resource{}, ok},
		{"hmac list", hmac, app.ActList, app.Resource{}, ok},
		{"scoped list", scoped, app.ActList, app.Resource{}, forbidden},
		{"nobody list", nobody, app.ActList, app.Resource{}, unauth},

		{"admin payment", admin, app.ActPayment, pay1, forbidden},
		{"support payment", support, app.ActPayment, pay1, forbidden},
		{"hmac payment", hmac, app.ActPayment, pay2, ok},
		{"scoped own payment", scoped, app.ActPayment, pay1, ok},
		{"scoped other payment", scoped, app.ActPayment, pay2, notFound},

		{"admin introspect", admin, app.ActIntrospect, app.Resource{}, ok},
		{"admin token introspect", adminToken, app.ActIntrospect, app.Resource{}, ok},
		{"support introspect", support, app.ActIntrospect, app.Resource{}, forbidden},
		{"merchant introspect", merchant, app.ActIntrospect, app.Resource{}, forbidden},

		{"admin gateway switch", admin, app.ActManageGateway, app.Resource{}, ok},
		{"support gateway switch", support, app.ActManageGateway, app.Resource{}, forbidden},
		{"admin token gateway switch", adminToken, app.ActManageGateway, app.Resource{}, forbidden},
		{"merchant gateway switch", merchant, app.ActManageGateway, app.Resource{}, forbidden},
		{"hmac gateway switch", hmac, app.ActManageGateway, app.Resource{}, forbidden},
		{"nobody operate", nobody, app.ActOperate, app.Resource{}, unauth},
	}
	for _, c := range cases {
		if got := app.Authorize(c.pr, c.act, c.res); !errors.Is(got, c.want) || (c.want == nil) != (got == nil) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
