// English and Bangla labels. t(key) answers in the chosen language.
const dict = {
  en: {
    feed: 'Live feed', search: 'Search', clients: 'Clients', gateways: 'Gateways', webhooks: 'Webhooks',
    reviews: 'Reviews', jobs: 'Jobs', audit: 'Audit log', dashboard: 'Dashboard', keys: 'API keys',
    login: 'Log in', logout: 'Log out', email: 'Email', password: 'Password', language: 'বাংলা',
    loginTitle: 'Sign in to paycore', badLogin: 'Wrong email or password.', tooMany: 'Too many attempts; try again later.',
    transaction: 'Transaction', order: 'Order', client: 'Client', status: 'Status', gateway: 'Gateway',
    amount: 'Amount', refunded: 'Refunded', created: 'Created', updated: 'Updated', trx: 'Gateway trxID',
    live: 'Live', reconnecting: 'Reconnecting…', ended: 'Session ended: log in again', noPayments: 'No payments yet.',
    text: 'Order, transaction or trxID', minAmount: 'Min amount', maxAmount: 'Max amount', from: 'From', to: 'To',
    any: 'Any', find: 'Search', next: 'Next page', timeline: 'Timeline', kind: 'Kind', detail: 'Detail', at: 'At',
    refund: 'Refund', reason: 'Reason', refundAll: 'everything refundable', refundDone: 'Refund requested',
    name: 'Name', commission: 'Commission (bps)', rateLimit: 'Rate limit / min', webhookURL: 'Webhook URL',
    apiKey: 'API key', create: 'Create', save: 'Save', suspend: 'Suspend', activate: 'Activate',
    regenerate: 'Regenerate keys', secretOnce: 'Store this secret now — it is never shown again:',
    health: 'Health', successRate: 'Success %', p95: 'p95 ms', uptime: 'Uptime %', calls: 'Calls',
    event: 'Event', url: 'URL', attempts: 'Attempts', redeliver: 'Redeliver', redelivered: 'Queued again',
    reasonCol: 'Reason', note: 'Note', confirm: 'Confirm', reject: 'Reject', noReviews: 'No open reviews.',
    kindCol: 'Kind', state: 'State', count: 'Count', actor: 'Who', action: 'Action', target: 'Target',
    before: 'Before', after: 'After', totalTx: 'Payments', totalSuccess: 'Paid', totalFailed: 'Not paid',
    totalAmount: 'Paid amount', totalRefunded: 'Refunded', commissionAmt: 'Commission', open: 'Open',
    forbidden: 'Not allowed.', notFound: 'Not found.', saved: 'Saved.', error: 'Error',
    switch: 'Offered', enabled: 'Enabled', disabled: 'Disabled', enable: 'Enable', disable: 'Disable',
    switchReason: 'Why / who', reasonOptional: 'Reason (optional)', gatewayOn: 'Gateway enabled', gatewayOff: 'Gateway disabled',
    smsBalance: 'SMS balance', notReported: 'not reported by the provider',
  },
  bn: {
    feed: 'লাইভ ফিড', search: 'অনুসন্ধান', clients: 'ক্লায়েন্ট', gateways: 'গেটওয়ে', webhooks: 'ওয়েবহুক',
    reviews: 'পর্যালোচনা', jobs: 'জব', audit: 'অডিট লগ', dashboard: 'ড্যাশবোর্ড', keys: 'এপিআই কী',
    login: 'লগ ইন', logout: 'লগ আউট', email: 'ইমেইল', password: 'পাসওয়ার্ড', language: 'English',
    loginTitle: 'paycore-এ সাইন ইন করুন', badLogin: 'ইমেইল বা পাসওয়ার্ড ভুল।', tooMany: 'অনেকবার চেষ্টা হয়েছে; পরে আবার চেষ্টা করুন।',
    transaction: 'লেনদেন', order: 'অর্ডার', client: 'ক্লায়েন্ট', status: 'অবস্থা', gateway: 'গেটওয়ে',
    amount: 'পরিমাণ', refunded: 'ফেরত', created: 'তৈরি', updated: 'হালনাগাদ', trx: 'গেটওয়ে trxID',
    live: 'লাইভ', reconnecting: 'পুনঃসংযোগ হচ্ছে…', ended: 'সেশন শেষ: আবার লগ ইন করুন', noPayments: 'এখনও কোনো পেমেন্ট নেই।',
    text: 'অর্ডার, লেনদেন বা trxID', minAmount: 'সর্বনিম্ন', maxAmount: 'সর্বোচ্চ', from: 'থেকে', to: 'পর্যন্ত',
    any: 'সব', find: 'খুঁজুন', next: 'পরের পাতা', timeline: 'সময়রেখা', kind: 'ধরন', detail: 'বিবরণ', at: 'সময়',
    refund: 'ফেরত দিন', reason: 'কারণ', refundAll: 'ফেরতযোগ্য সব', refundDone: 'ফেরতের অনুরোধ করা হয়েছে',
    name: 'নাম', commission: 'কমিশন (bps)', rateLimit: 'রেট লিমিট / মিনিট', webhookURL: 'ওয়েবহুক URL',
    apiKey: 'এপিআই কী', create: 'তৈরি করুন', save: 'সংরক্ষণ', suspend: 'স্থগিত করুন', activate: 'সক্রিয় করুন',
    regenerate: 'নতুন কী তৈরি', secretOnce: 'এই সিক্রেট এখনই সংরক্ষণ করুন — আর দেখানো হবে না:',
    health: 'স্বাস্থ্য', successRate: 'সফলতা %', p95: 'p95 ms', uptime: 'আপটাইম %', calls: 'কল',
    event: 'ইভেন্ট', url: 'URL', attempts: 'চেষ্টা', redeliver: 'আবার পাঠান', redelivered: 'আবার সারিতে',
    reasonCol: 'কারণ', note: 'নোট', confirm: 'নিশ্চিত', reject: 'বাতিল', noReviews: 'খোলা পর্যালোচনা নেই।',
    kindCol: 'ধরন', state: 'অবস্থা', count: 'সংখ্যা', actor: 'কে', action: 'কাজ', target: 'লক্ষ্য',
    before: 'আগে', after: 'পরে', totalTx: 'পেমেন্ট', totalSuccess: 'পরিশোধিত', totalFailed: 'অপরিশোধিত',
    totalAmount: 'পরিশোধিত পরিমাণ', totalRefunded: 'ফেরত', commissionAmt: 'কমিশন', open: 'খুলুন',
    forbidden: 'অনুমতি নেই।', notFound: 'পাওয়া যায়নি।', saved: 'সংরক্ষিত।', error: 'ত্রুটি',
    switch: 'চালু আছে কি', enabled: 'চালু', disabled: 'বন্ধ', enable: 'চালু করুন', disable: 'বন্ধ করুন',
    switchReason: 'কারণ / কে', reasonOptional: 'কারণ (ঐচ্ছিক)', gatewayOn: 'গেটওয়ে চালু হয়েছে', gatewayOff: 'গেটওয়ে বন্ধ হয়েছে',
    smsBalance: 'এসএমএস ব্যালেন্স', notReported: 'প্রোভাইডার জানায় না',
  },
};

let lang = localStorage.getItem('paycore.lang') === 'bn' ? 'bn' : 'en';

export function t(key) { return (dict[lang] && dict[lang][key]) || dict.en[key] || key; }
export function language() { return lang; }
export function toggleLanguage() {
  lang = lang === 'en' ? 'bn' : 'en';
  localStorage.setItem('paycore.lang', lang);
  document.documentElement.lang = lang;
}
document.documentElement.lang = lang;
