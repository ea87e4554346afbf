import t from 'tap';
import { WebhookSecrets } from '@sutasoma/adapter-kit';

const secret = (bytes: number, fill = 'k') => `whsec_${Buffer.from(fill.repeat(bytes)).toString('base64')}`;

t.test('a webhook signing secret shorter than the specification allows is refused at start, without being repeated', async (t) => {
  for (const [value, why] of [
    [secret(8, 's'), /secret 1 must be whsec_ followed by the base64 of 24 to 64 random bytes \(it holds 8\)/],
    [secret(65), /it holds 65/],
    ['password123', /not in that form/],
    [`${secret(32)} ${secret(4, 'q')}`, /secret 2 .*it holds 4/],
    ['   ', /at least one signing secret/],
  ] as const) {
    const parsed = WebhookSecrets.safeParse(value);
    t.notOk(parsed.success, `${why} refused`);
    const message = parsed.error?.issues.map((i) => i.message).join('; ') ?? '';
    t.match(message, why);
    for (const part of value.split(/\s+/).filter(Boolean)) t.notOk(message.includes(part), 'the secret is not in the message');
  }
});

t.test('the current and the previous secret, while one is rotated', async (t) => {
  t.same(WebhookSecrets.parse(` ${secret(32, 'a')}  ${secret(24, 'b')} `), [secret(32, 'a'), secret(24, 'b')]);
});
