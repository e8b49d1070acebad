import { createHmac } from 'node:crypto';
import { DirectoryService } from '@app/auth';
import { Batcher } from '../dispatch/batches';
import { resolveRecipients } from './recipients';
import { signBody } from './webhook';

const directory = DirectoryService.fromFile('config/organisation.demo.yaml');

describe('resolveRecipients (demo organisation)', () => {
  it('turns roles, groups, people and unitHeadOf into person ids, sorted and deduplicated', () => {
    const { people, unresolved } = resolveRecipients(directory, [
      { role: 'chief' },
      { person: 'p-chief' },
      { unitHeadOf: 'p-office' },
      { role: 'office', unit: 'office' },
    ]);
    expect(people).toEqual(['p-chief', 'p-office', 'p-office-head'].sort());
    expect(unresolved).toEqual([]);
  });

  it('goes above a unit head (the supervising deputy) and gives the chief to the leadership group', () => {
    expect(resolveRecipients(directory, [{ unitHeadOf: 'p-office-head' }]).people).toEqual(['p-deputy']);
    const aboveChief = resolveRecipients(directory, [{ unitHeadOf: 'p-chief' }]).people;
    expect(aboveChief).toEqual(
      directory
        .membersOfGroup('leadership')
        .map((p) => p.id)
        .sort(),
    );
  });

  it('reports who names nobody', () => {
    const result = resolveRecipients(directory, [{ person: 'p-gone' }, { role: 'nobody' }, { group: 'coordination' }]);
    expect(result.unresolved).toEqual([{ person: 'p-gone' }, { role: 'nobody' }]);
    expect(result.people.length).toBeGreaterThan(0);
  });
});

describe('signBody', () => {
  it('is sha256=<hex HMAC-SHA256 of the raw body>', () => {
    const body = JSON.stringify({ effectId: 'e_0' });
    expect(signBody('secret-secret-secret', body)).toBe(
      `sha256=${createHmac('sha256', 'secret-secret-secret').update(body).digest('hex')}`,
    );
  });
});

describe('Batcher', () => {
  async function* source(items: number[], pauseAfter: number) {
    for (const item of items) {
      if (item === pauseAfter) await new Promise((r) => setTimeout(r, 20));
      yield item;
    }
  }

  it('takes what is ready in one batch, waits only for the first item, ends with the source', async () => {
    const batcher = new Batcher(source([1, 2, 3, 4, 5, 6], 4)[Symbol.asyncIterator](), 2);
    const batches: number[][] = [];
    for (let b = await batcher.next(); b; b = await batcher.next()) batches.push(b);
    expect(batches.flat()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(batches.every((b) => b.length <= 2)).toBe(true);
  });
});
