import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveSrc } from '../../../src/compose/composer.js';
import { parseTemplate } from '../../../src/compose/parse.js';
import { marksEsiPage } from '../../../src/compose/surrogate.js';
import type { Template } from '../../../src/http/template.js';

/** The template with its literal ranges read back as text. */
function parts(source: string, maxIncludes = 32): unknown[] {
  const body = Buffer.from(source);
  const parsed = parseTemplate(body, { maxIncludes });
  if (!parsed.ok) return [parsed.code];
  return (parsed.template as Template).parts.map((part) => (part.kind === 'text' ? body.subarray(part.start, part.end).toString() : part));
}

describe('parseTemplate', () => {
  test('literal text is one range; no ESI, no holes', () => {
    assert.deepEqual(parts('<p>plain</p>'), ['<p>plain</p>']);
    assert.deepEqual(parts(''), []);
  });
  test('includes, with alt and onerror, empty or written as a pair', () => {
    assert.deepEqual(parts('a<esi:include src="/x" alt=\'/y\' onerror="continue"/>b<esi:include src="/z"></esi:include>c'), [
      'a',
      { kind: 'include', src: '/x', alt: '/y', continueOnError: true },
      'b',
      { kind: 'include', src: '/z', alt: undefined, continueOnError: false },
      'c',
    ]);
  });
  test('remove and comment are dropped; <!--esi --> markers are dropped and the inside processed', () => {
    assert.deepEqual(parts('a<esi:remove>gone<esi:include src="/no"/></esi:remove>b<esi:comment text="x"/>c'), ['a', 'b', 'c']);
    assert.deepEqual(parts('a<!--esi <esi:include src="/i"/> -->b<!-- html -->'), ['a', ' ', { kind: 'include', src: '/i', alt: undefined, continueOnError: false }, ' ', 'b<!-- html -->']);
  });
  test('$(JWT{name}) is a hole inside <esi:vars> only; other variables stay text', () => {
    assert.deepEqual(parts('$(JWT{sub})<esi:vars>Hi $(JWT{name}), $(HTTP_HOST)</esi:vars>'), [
      '$(JWT{sub})',
      'Hi ',
      { kind: 'claim', name: 'name' },
      ', $(HTTP_HOST)',
    ]);
  });
  test('multi-byte text keeps its bytes: ranges are byte offsets', () => {
    assert.deepEqual(parts('é<esi:vars>ü$(JWT{n})ß</esi:vars>'), ['é', 'ü', { kind: 'claim', name: 'n' }, 'ß']);
  });
  test('unsupported elements, unclosed ones and includes without src are refused', () => {
    assert.deepEqual(parts('<esi:choose></esi:choose>'), ['BOUNCER_ESI_UNSUPPORTED']);
    assert.deepEqual(parts('<esi:try>'), ['BOUNCER_ESI_UNSUPPORTED']);
    assert.deepEqual(parts('<esi:vars>x'), ['BOUNCER_ESI_INVALID']);
    assert.deepEqual(parts('<!--esi x'), ['BOUNCER_ESI_INVALID']);
    assert.deepEqual(parts('<esi:remove>x'), ['BOUNCER_ESI_INVALID']);
    assert.deepEqual(parts('<esi:include alt="/x"/>'), ['BOUNCER_ESI_INVALID']);
    assert.deepEqual(parts('<esi:include src="/x"'), ['BOUNCER_ESI_INVALID']);
    assert.deepEqual(parts('</esi:vars>'), ['BOUNCER_ESI_INVALID']);
  });
  test('more includes than the cap: too big', () => {
    assert.deepEqual(parts('<esi:include src="/a"/><esi:include src="/b"/>', 1), ['BOUNCER_ESI_TOO_BIG']);
  });
});

describe('Surrogate-Control and include targets', () => {
  test('content="ESI/1.0" marks a page, among other directives and targets', () => {
    assert.equal(marksEsiPage({ 'surrogate-control': 'content="ESI/1.0"' }), true);
    assert.equal(marksEsiPage({ 'surrogate-control': 'max-age=60, content="ESI/1.0 ESI-Inline/1.0";bouncer' }), true);
    assert.equal(marksEsiPage({ 'surrogate-control': 'max-age=60' }), false);
    assert.equal(marksEsiPage({}), false);
  });
  test('src is a path on this site, relative ones against the page', () => {
    assert.equal(resolveSrc('/f/a?x=1', '/p/page'), '/f/a?x=1');
    assert.equal(resolveSrc('part', '/p/page'), '/p/part');
    assert.equal(resolveSrc('../up', '/p/q/page'), '/p/up');
    assert.equal(resolveSrc('http://evil.example/x', '/p'), undefined);
    assert.equal(resolveSrc('//evil.example/x', '/p'), undefined);
    assert.equal(resolveSrc('javascript:alert(1)', '/p'), undefined);
  });
});
