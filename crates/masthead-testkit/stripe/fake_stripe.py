# A stateful fake Stripe for Masthead's tests: localstripe (PyPI), which keeps
# customers, plans, subscriptions, invoices and payment intents and sends signed
# webhooks, with the two hosted pages it lacks added on top: Stripe Checkout
# (`POST /v1/checkout/sessions` and its payment page) and the customer portal
# (`POST /v1/billing_portal/sessions` and its page). Everything they do goes through
# localstripe's own objects, so the events Masthead receives are localstripe's.
#
#   python fake_stripe.py           listens on a loopback port of its own and prints
#                                   "listening PORT" once it accepts connections
#
# Test-only controls (no key needed), standing in for Stripe's clock and dashboard:
#   POST /_test/subscriptions/{id}/end      the period ended: the subscription is
#                                           deleted (customer.subscription.deleted)
#   POST /_test/subscriptions/{id}/fail     a renewal failed: past_due, with
#                                           invoice.payment_failed and .updated
#   POST /_test/events/{id}/resend          sends an event again, as Stripe retries
#   GET  /_test/events                      every event, newest first

import asyncio
import html
import socket
import sys
import time

from aiohttp import web
from localstripe import server
from localstripe.errors import UserError
from localstripe.resources import (Coupon, Customer, Event, Invoice,
                                   PaymentIntent, Plan, Subscription, Token,
                                   random_id, store)

app = server.app

# localstripe writes its whole state to one file in /tmp after every change; tests
# run several fakes at once and never read it back.
type(store).dump_to_disk = lambda self: None

SESSIONS = {}   # checkout sessions by id
PORTALS = {}    # portal sessions by id
EVENTS = []     # every event sent, oldest first


def remember_events():
    """Keeps each event localstripe sends, so that tests can have one resent."""
    import localstripe.resources as resources
    send = resources.schedule_webhook

    def schedule(event):
        EVENTS.append(event)
        send(event)
    resources.schedule_webhook = schedule
    return schedule


schedule_webhook = remember_events()


def page(title, body):
    return web.Response(content_type='text/html', text=(
        '<!doctype html><html lang="en"><meta charset="utf-8">'
        f'<title>{html.escape(title)}</title><body><main>'
        f'<h1>{html.escape(title)}</h1>{body}</main></body></html>'))


def base(request):
    return f'http://{request.host}'


async def form_data(request):
    return await server.get_post_data(request) or {}


def line_item(data):
    items = data.get('line_items') or []
    if not isinstance(items, list) or len(items) != 1:
        raise UserError(400, 'line_items: exactly one item is supported')
    price = items[0].get('price_data')
    if not isinstance(price, dict):
        raise UserError(400, 'line_items[0][price_data] is required')
    try:
        amount = int(price.get('unit_amount'))
    except (TypeError, ValueError):
        raise UserError(400, 'line_items[0][price_data][unit_amount]')
    currency = price.get('currency')
    name = (price.get('product_data') or {}).get('name')
    if amount <= 0 or not currency or not name:
        raise UserError(400, 'price_data needs unit_amount, currency, name')
    interval = (price.get('recurring') or {}).get('interval')
    return {'amount': amount, 'currency': currency.lower(), 'name': name,
            'interval': interval}


async def create_session(request):
    data = await form_data(request)
    mode = data.get('mode')
    if mode not in ('payment', 'subscription'):
        raise UserError(400, 'mode must be payment or subscription')
    item = line_item(data)
    if (mode == 'subscription') != (item['interval'] is not None):
        raise UserError(400, 'a subscription needs a recurring price')
    for url in ('success_url', 'cancel_url'):
        if not str(data.get(url, '')).startswith('http'):
            raise UserError(400, f'{url} is required')
    if data.get('customer'):
        Customer._api_retrieve(data['customer'])
    total = item['amount']
    discounts = data.get('discounts') or []
    if not isinstance(discounts, list) or len(discounts) > 1:
        raise UserError(400, 'discounts: at most one is supported')
    for discount in discounts:
        coupon = Coupon._api_retrieve(discount.get('coupon'))
        if coupon.percent_off is not None:
            total = round(total * (100 - coupon.percent_off) / 100)
        else:
            total = max(0, total - coupon.amount_off)
    sid = 'cs_test_' + random_id(24)
    session = {
        'id': sid, 'object': 'checkout.session', 'mode': mode,
        'status': 'open', 'payment_status': 'unpaid',
        'url': f'{base(request)}/pay/{sid}',
        'success_url': data['success_url'], 'cancel_url': data['cancel_url'],
        'client_reference_id': data.get('client_reference_id'),
        'customer': data.get('customer'),
        'customer_email': data.get('customer_email'),
        'customer_details': None,
        'metadata': data.get('metadata') or {},
        'subscription': None, 'payment_intent': None,
        'amount_total': total, 'currency': item['currency'],
        'discounts': discounts,
        'submit_type': data.get('submit_type'),
        'created': int(time.time()),
        '_item': item,
        '_subscription_data': data.get('subscription_data') or {},
        '_payment_intent_data': data.get('payment_intent_data') or {},
    }
    SESSIONS[sid] = session
    return server.json_response(export_session(session))


def export_session(session, expand=()):
    out = {k: v for k, v in session.items() if not k.startswith('_')}
    if 'subscription' in expand and session['subscription']:
        out['subscription'] = Subscription._api_retrieve(
            session['subscription'])._export()
    return out


async def retrieve_session(request):
    session = SESSIONS.get(request.match_info['id'])
    if session is None:
        raise UserError(404, 'No such checkout.session')
    expand = request.query.getall('expand[]', [])
    return server.json_response(export_session(session, expand))


async def pay_page(request):
    session = SESSIONS.get(request.match_info['id'])
    if session is None:
        raise web.HTTPNotFound()
    item = session['_item']
    if session['status'] != 'open':
        return page('This checkout is over',
                    f'<p><a href="{html.escape(session["cancel_url"])}">Back</a></p>')
    email = session['customer_email'] or ''
    if session['customer']:
        email = Customer._api_retrieve(session['customer']).email or ''
    every = f' every {item["interval"]}' if item['interval'] else ''
    price = f'{item["amount"] / 100:.2f} {item["currency"].upper()}{every}'
    total = f'{session["amount_total"] / 100:.2f} {item["currency"].upper()}'
    return page(f'Pay {item["name"]}', f'''
<p id="price">{html.escape(price)}</p>
<p id="total">Due today: {html.escape(total)}</p>
<form method="post" action="/pay/{session["id"]}">
<p><label>Email <input name="email" type="email" required
   value="{html.escape(email)}"></label></p>
<p><label>Name on card <input name="name"></label></p>
<p><label>Card number <input name="card" value="4242424242424242"></label></p>
<p><button type="submit" id="pay">Pay</button></p>
</form>
<p><a href="{html.escape(session["cancel_url"])}">Back</a></p>''')


async def pay(request):
    session = SESSIONS.get(request.match_info['id'])
    if session is None or session['status'] != 'open':
        raise web.HTTPNotFound()
    data = await request.post()
    email = data.get('email', '').strip()
    if '@' not in email:
        raise UserError(400, 'an email address is required')
    name = data.get('name', '').strip() or None
    token = Token(card={'number': data.get('card', '4242424242424242'),
                        'exp_month': '12', 'exp_year': '2040', 'cvc': '123'})
    if session['customer']:
        customer = Customer._api_retrieve(session['customer'])
        Customer._api_add_source(customer.id, token.id)
    else:
        customer = Customer._api_create(email=email, name=name,
                                        source=token.id)
    item = session['_item']
    if session['mode'] == 'subscription':
        plan = Plan(amount=item['amount'], currency=item['currency'],
                    interval=item['interval'],
                    product={'name': item['name']})
        extra = session['_subscription_data']
        subscription = Subscription._api_create(
            customer=customer.id, items=[{'plan': plan.id}],
            metadata=extra.get('metadata') or {},
            **({'trial_period_days': extra['trial_period_days']}
               if extra.get('trial_period_days') else {}))
        if subscription.status not in ('active', 'trialing'):
            raise UserError(402, 'Your card was declined.')
        session['subscription'] = subscription.id
    else:
        extra = session['_payment_intent_data']
        intent = PaymentIntent._api_create(
            amount=item['amount'], currency=item['currency'],
            customer=customer.id, metadata=extra.get('metadata') or {},
            payment_method=customer._get_default_payment_method_or_source().id,
            confirm=True)
        if intent.status != 'succeeded':
            raise UserError(402, 'Your card was declined.')
        session['payment_intent'] = intent.id
    session.update(status='complete', payment_status='paid',
                   customer=customer.id,
                   customer_details={'email': email, 'name': name})
    schedule_webhook(CheckoutEvent(session))
    raise web.HTTPSeeOther(session['success_url'].replace(
        '{CHECKOUT_SESSION_ID}', session['id']))


class CheckoutEvent(Event):
    """`checkout.session.completed`, with the session as its object."""

    def __init__(self, session):
        class Exported:
            def _export(self):
                return export_session(session)
        super().__init__('checkout.session.completed', Exported())


async def create_portal(request):
    data = await form_data(request)
    customer = Customer._api_retrieve(data.get('customer'))
    if not str(data.get('return_url', '')).startswith('http'):
        raise UserError(400, 'return_url is required')
    pid = 'bps_' + random_id(24)
    portal = {'id': pid, 'object': 'billing_portal.session',
              'customer': customer.id, 'return_url': data['return_url'],
              'url': f'{base(request)}/billing/{pid}',
              'created': int(time.time())}
    PORTALS[pid] = portal
    return server.json_response(portal)


def customer_subscriptions(customer):
    return [s for s in store.values() if isinstance(s, Subscription)
            and s.customer == customer and s.status != 'canceled']


async def portal_page(request):
    portal = PORTALS.get(request.match_info['id'])
    if portal is None:
        raise web.HTTPNotFound()
    rows = []
    for s in customer_subscriptions(portal['customer']):
        plan = s.plan
        ends = time.strftime('%Y-%m-%d', time.gmtime(s.current_period_end))
        if s.cancel_at_period_end:
            state, action, label = f'Ends on {ends}', 'renew', 'Renew plan'
        else:
            state, action, label = f'Renews on {ends}', 'cancel', 'Cancel plan'
        rows.append(
            f'<li>{plan.amount / 100:.2f} {plan.currency.upper()} every '
            f'{plan.interval}: <span class="state">{state}</span>'
            f'<form method="post" action="/billing/{portal["id"]}/{action}/{s.id}">'
            f'<button type="submit" id="{action}-{s.id}">{label}</button>'
            f'</form></li>')
    body = f'<ul>{"".join(rows)}</ul>' if rows else '<p>No current plans.</p>'
    body += (f'<p><a id="return" href="{html.escape(portal["return_url"])}">'
             'Return</a></p>')
    return page('Your plans', body)


async def portal_change(request):
    portal = PORTALS.get(request.match_info['id'])
    sub_id = request.match_info['sub']
    if portal is None or sub_id not in [
            s.id for s in customer_subscriptions(portal['customer'])]:
        raise web.HTTPNotFound()
    cancel = request.match_info['action'] == 'cancel'
    subscription = Subscription._api_update(sub_id,
                                            cancel_at_period_end=cancel)
    subscription.canceled_at = int(time.time()) if cancel else None
    schedule_webhook(Event('customer.subscription.updated', subscription))
    raise web.HTTPSeeOther(f'/billing/{portal["id"]}')


async def end_subscription(request):
    Subscription._api_delete(request.match_info['id'])
    return web.Response(status=204)


async def fail_renewal(request):
    subscription = Subscription._api_retrieve(request.match_info['id'])
    subscription.status = 'past_due'
    if subscription.latest_invoice is not None:
        invoice = Invoice._api_retrieve(subscription.latest_invoice)
        schedule_webhook(Event('invoice.payment_failed', invoice))
    schedule_webhook(Event('customer.subscription.updated', subscription))
    return web.Response(status=204)


async def resend_event(request):
    for event in EVENTS:
        if event.id == request.match_info['id']:
            schedule_webhook(event)
            return web.Response(status=204)
    raise web.HTTPNotFound()


async def list_events(request):
    return server.json_response(
        [{'id': e.id, 'type': e.type} for e in reversed(EVENTS)])


OPEN_PREFIXES = ('/pay/', '/billing/', '/_test/', '/favicon.ico')


async def no_icon(request):
    # Browsers ask for one on the hosted pages; none is an answer, not an error.
    return web.Response(status=204)


@web.middleware
async def auth(request, handler):
    """localstripe's key check, except on the hosted pages and test controls."""
    if request.path.startswith(OPEN_PREFIXES):
        return await handler(request)
    return await server.auth_middleware(request, handler)


middlewares = app.middlewares
middlewares[list(middlewares).index(server.auth_middleware)] = auth

app.router.add_post('/v1/checkout/sessions', create_session)
app.router.add_get('/v1/checkout/sessions/{id}', retrieve_session)
app.router.add_get('/pay/{id}', pay_page)
app.router.add_post('/pay/{id}', pay)
app.router.add_post('/v1/billing_portal/sessions', create_portal)
app.router.add_get('/billing/{id}', portal_page)
app.router.add_post('/billing/{id}/{action:cancel|renew}/{sub}', portal_change)
app.router.add_post('/_test/subscriptions/{id}/end', end_subscription)
app.router.add_post('/_test/subscriptions/{id}/fail', fail_renewal)
app.router.add_post('/_test/events/{id}/resend', resend_event)
app.router.add_get('/_test/events', list_events)
app.router.add_get('/favicon.ico', no_icon)


async def main():
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(('127.0.0.1', int(sys.argv[1]) if len(sys.argv) > 1 else 0))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    print('listening', sock.getsockname()[1], flush=True)
    await asyncio.Event().wait()


if __name__ == '__main__':
    asyncio.run(main())
