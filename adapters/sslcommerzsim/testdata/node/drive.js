// Drives sslcommerz-lts 1.2.0 against the simulator: node drive.js BASE STORE_ID STORE_PASSWD STEP [ARG]
// STEP init TRAN_ID | validate VAL_ID | refund BANK_TRAN_ID | refundquery REF | query TRAN_ID | session KEY
const SSLCommerzPayment = require('sslcommerz-lts');
const [base, storeId, passwd, step, arg] = process.argv.slice(2);
const c = new SSLCommerzPayment(storeId, passwd, false);
// Its URLs are fixed from is_live in the constructor: point them at the simulator.
c.initURL = base + '/gwprocess/v4/api.php';
for (const k of ['validationURL']) c[k] = base + '/validator/api/validationserverAPI.php?';
for (const k of ['refundURL', 'refundQueryURL', 'transactionQueryBySessionIdURL', 'transactionQueryByTransactionIdURL'])
  c[k] = base + '/validator/api/merchantTransIDvalidationAPI.php?';
const steps = {
  init: () => c.init({
    total_amount: 100, currency: 'BDT', tran_id: arg,
    success_url: 'http://127.0.0.1:1/success', fail_url: 'http://127.0.0.1:1/fail', cancel_url: 'http://127.0.0.1:1/cancel',
    ipn_url: '', shipping_method: 'NO', product_name: 'Computer.', product_category: 'Electronic', product_profile: 'general',
    cus_name: 'Customer Name', cus_email: 'customer@example.com', cus_add1: 'Dhaka', cus_city: 'Dhaka', cus_postcode: '1000',
    cus_country: 'Bangladesh', cus_phone: '01711111111', num_of_item: 1,
  }),
  validate: () => c.validate({ val_id: arg }),
  refund: () => c.initiateRefund({ refund_amount: 10, refund_remarks: 'Out of stock', bank_tran_id: arg, refe_id: 'R1' }),
  refundquery: () => c.refundQuery({ refund_ref_id: arg }),
  query: () => c.transactionQueryByTransactionId({ tran_id: arg }),
  session: () => c.transactionQueryBySessionId({ sessionkey: arg }),
};
steps[step]().then((r) => { process.stdout.write(JSON.stringify(r)); });
