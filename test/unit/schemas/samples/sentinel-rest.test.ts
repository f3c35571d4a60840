// Sentinel incidents in Azure REST envelopes (source: test/fixtures/sentinel/README.md): a single
// {id, name, type, properties} resource as Incidents - Get returns it, the same inside {value: [...]}, and an
// empty list response.
import { describe, expect, it } from 'vitest';
import { canariesIn, makeCanaries, plantInFreeText } from '../../../support/canaries.ts';
import { fixtureFile } from '../../../support/corpus.ts';
import { findingsOf, outcomesOf } from '../../../support/normalize.ts';

const single = fixtureFile('sentinel/incident-rest-get.json');

describe('Sentinel incident, Azure REST envelopes', () => {
  it('a single resource and the same in a {value} list: auto names sentinel, one open finding each, same id', () => {
    const list = JSON.stringify({ value: [JSON.parse(single.toString('utf8'))] });
    for (const input of [single, list]) {
      expect(outcomesOf(input, { format: 'auto' }).map((o) => o.format)).toEqual(['sentinel']);
    }
    const [a] = findingsOf(single, { format: 'auto' });
    const [b] = findingsOf(list, { format: 'auto' });
    expect(a!.id).toBe(b!.id);
    expect(a).toMatchObject({ status: 'open', severity: { label: 'medium', score: 50 }, title: 'test' });
    expect(a!.kind).toBe('compromise-indicator');
    expect(a!.time).toBe('2025-08-10T01:52:41.242Z');
    // The analyst the incident is assigned to is not who it is about: a resource, never an identity.
    expect(a!.identities).toEqual([]);
    expect(a!.resources).toContainEqual(expect.objectContaining({ type: 'sentinel-incident-owner' }));
  });

  it('the incident closed → resolved', () => {
    const doc = JSON.parse(single.toString('utf8'));
    doc.properties.status = 'Closed';
    expect(findingsOf(JSON.stringify(doc))[0]!.status).toBe('resolved');
  });

  it('an empty list response: zero findings, nothing rejected', () => {
    expect(outcomesOf(fixtureFile('sentinel/incident-rest-list-empty.json'), { format: 'auto' })).toEqual([]);
  });

  it('no secret planted in its free text comes out', () => {
    const canaries = makeCanaries();
    const planted = plantInFreeText(JSON.parse(single.toString('utf8')), canaries.prose);
    expect(
      canariesIn(JSON.stringify(findingsOf(JSON.stringify(planted), { format: 'auto' })), canaries),
    ).toEqual([]);
  });
});
