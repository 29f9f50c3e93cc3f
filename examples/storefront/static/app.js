// The example shop's SPA: plain JavaScript, no build step.
//
// 1. Checkout: POST /api/checkout to the shop's own backend, which creates
//    the payment on paycore (signed; the secret never reaches the browser)
//    and answers { transactionId, clientToken }.
// 2. startPayment(transactionId, gateway) on paycore's GraphQL with
//    "Authorization: Bearer <clientToken>"; the browser goes to the
//    redirectURL it returns (the gateway's page).
// 3. Back from paycore (?transaction_id=…&status=…&outcome=…): follow
//    paymentUpdated over graphql-transport-ws until the payment settles.
(function () {
  "use strict";
  var api = "api/";                       // the shop's backend, relative to the shop
  var gqlPath = "/graphql";                // paycore, same origin here
  var store = window.sessionStorage;
  var $ = function (id) { return document.getElementById(id); };
  var products = [];

  // ৳ with lakh/crore grouping: 1,23,456.50.
  function taka(paisa) {
    return "৳" + new Intl.NumberFormat("en-IN", { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(paisa / 100);
  }
  function takaText(amount) { return taka(Math.round(Number(amount) * 100)); }

  function showError(msg) { var e = $("error"); e.textContent = msg; e.hidden = false; }

  function graphql(query, variables, token) {
    return fetch(gqlPath, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Authorization": "Bearer " + token },
      body: JSON.stringify({ query: query, variables: variables })
    }).then(function (r) { return r.json(); }).then(function (res) {
      if (res.errors && res.errors.length) throw new Error(res.errors[0].message);
      return res.data;
    });
  }

  function selected() {
    var id = (document.querySelector("input[name=product]:checked") || {}).value;
    for (var i = 0; i < products.length; i++) if (products[i].id === id) return products[i];
    return null;
  }
  function updateTotal() {
    var p = selected();
    $("total").textContent = p ? taka(p.price * Number($("qty").value)) : "—";
  }

  function showShop() {
    $("shop").hidden = false;
    fetch(api + "products").then(function (r) { return r.json(); }).then(function (list) {
      products = list;
      var box = $("products");
      list.forEach(function (p, i) {
        var label = document.createElement("label");
        label.className = "choice product";
        var input = document.createElement("input");
        input.type = "radio"; input.name = "product"; input.value = p.id; input.checked = i === 0;
        input.addEventListener("change", updateTotal);
        var name = document.createElement("span"); name.textContent = p.name;
        var price = document.createElement("span"); price.className = "price"; price.textContent = taka(p.price);
        label.appendChild(input); label.appendChild(name); label.appendChild(price);
        box.appendChild(label);
      });
      updateTotal();
    }).catch(function (e) { showError("Could not load the products: " + e.message); });
    $("qty").addEventListener("change", updateTotal);
    $("checkout").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var p = selected();
      var gateway = document.querySelector("input[name=gateway]:checked").value;
      $("pay").disabled = true;
      fetch(api + "checkout", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ productId: p.id, quantity: Number($("qty").value), phone: $("phone").value })
      }).then(function (r) {
        return r.json().then(function (body) { if (!r.ok) throw new Error(body.error || r.status); return body; });
      }).then(function (c) {
        store.setItem("payment:" + c.transactionId, c.clientToken);
        return graphql("mutation($id: ID!, $g: Gateway!) { startPayment(transactionId: $id, gateway: $g) { redirectURL } }",
          { id: c.transactionId, g: gateway }, c.clientToken);
      }).then(function (d) {
        window.location.assign(d.startPayment.redirectURL);
      }).catch(function (e) {
        $("pay").disabled = false;
        showError("The payment could not be started: " + e.message);
      });
    });
  }

  var finalStates = { SUCCESS: 1, FAILED: 1, CANCELLED: 1, EXPIRED: 1, REFUNDED: 1, PARTIALLY_REFUNDED: 1, DISPUTED: 1 };
  var words = {
    PENDING: "Waiting for the payment…", PROCESSING: "The gateway is confirming your payment…",
    SUCCESS: "Paid. Thank you!", FAILED: "The payment failed. No money was taken.",
    CANCELLED: "The payment was cancelled. No money was taken.", EXPIRED: "The payment link expired. No money was taken.",
    REFUNDED: "Refunded.", PARTIALLY_REFUNDED: "Partly refunded.", DISPUTED: "Disputed."
  };

  function showPayment(p) {
    var st = $("status-text");
    st.textContent = words[p.status] || p.status;
    st.className = p.status === "SUCCESS" ? "ok" : (finalStates[p.status] ? "bad" : "");
    st.setAttribute("data-status", p.status);
    var dl = $("details");
    dl.textContent = "";
    [["Transaction ID", p.transactionId], ["Order", p.orderId], ["Amount", takaText(p.amount.amount)],
     ["Gateway transaction ID", p.trxId]].forEach(function (row) {
      if (!row[1]) return;
      var dt = document.createElement("dt"); dt.textContent = row[0];
      var dd = document.createElement("dd"); dd.textContent = row[1];
      dl.appendChild(dt); dl.appendChild(dd);
    });
  }

  // follow subscribes to paymentUpdated (graphql-transport-ws) and shows
  // each state until a final one.
  function follow(id, token) {
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + gqlPath;
    var ws = new WebSocket(url, "graphql-transport-ws");
    ws.onopen = function () {
      ws.send(JSON.stringify({ type: "connection_init", payload: { Authorization: "Bearer " + token } }));
    };
    ws.onmessage = function (ev) {
      var msg = JSON.parse(ev.data);
      if (msg.type === "connection_ack") {
        ws.send(JSON.stringify({ id: "1", type: "subscribe", payload: {
          query: "subscription($id: ID!) { paymentUpdated(transactionId: $id) { transactionId orderId status trxId amount { amount currency } } }",
          variables: { id: id } } }));
      } else if (msg.type === "ping") {
        ws.send(JSON.stringify({ type: "pong" }));
      } else if (msg.type === "next") {
        var p = msg.payload.data && msg.payload.data.paymentUpdated;
        if (p) {
          showPayment(p);
          if (finalStates[p.status]) { ws.send(JSON.stringify({ id: "1", type: "complete" })); ws.close(1000); }
        }
      } else if (msg.type === "error") {
        showError("Could not follow the payment: " + (msg.payload[0] || {}).message);
      }
    };
    ws.onclose = function (ev) {
      if (ev.code !== 1000) showError("The live connection closed (" + ev.code + " " + ev.reason + ").");
    };
  }

  var q = new URLSearchParams(location.search);
  var txn = q.get("transaction_id");
  if (!txn) { showShop(); return; }
  $("status").hidden = false;
  var token = store.getItem("payment:" + txn);
  var outcome = q.get("outcome");
  if (outcome === "cancelled" || outcome === "failed") {
    // The payment stays open (pending) so the shopper may try again; the
    // shop shows what happened instead of waiting for it to settle.
    var st = $("status-text");
    st.textContent = outcome === "cancelled" ? "You cancelled the payment. No money was taken." :
      "The payment did not go through. No money was taken.";
    st.className = "bad";
    st.setAttribute("data-status", outcome.toUpperCase());
    return;
  }
  if (!token) { showError("This browser did not start payment " + txn + "; ask the shop about it."); return; }
  follow(txn, token);
})();
