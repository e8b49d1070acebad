import { describeProcess, machineJson, WorkflowRegistry } from '.';
import { demoV1 } from './testing/demo-workflow';

describe('process descriptions', () => {
  const def = new WorkflowRegistry({ demo: { open: 'PT3H' } }).register(demoV1).get('demo', 1);

  it('describes states with effective deadlines, responsible parties and events', () => {
    const description = describeProcess(def);
    expect(description).toMatchObject({
      process: 'demo',
      version: 1,
      title: '演示',
      initial: 'open',
      start: [{ role: 'clerk' }],
    });
    expect(description.states.map((state) => state.name)).toEqual([
      'open',
      'review',
      'review.first',
      'review.second',
      'expired',
      'done',
    ]);
    expect(description.states[0]).toEqual({
      name: 'open',
      final: false,
      label: '待提交',
      deadline: 'PT3H',
      responsible: { role: 'clerk' },
      events: ['SUBMIT', 'PING', 'DEADLINE_MISSED'],
    });
    expect(description.events).toContainEqual({ type: 'APPROVE', policy: [{ role: 'boss' }] });
  });

  it('gives the machine as plain JSON for the diagram', () => {
    const json = machineJson(def);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    const review = json.states.find((state) => state.key === 'review')!;
    expect(review).toMatchObject({ type: 'compound', initial: 'review.first' });
    expect(review.transitions).toContainEqual({ event: 'after 7200000', targets: ['expired'], actions: [] });
    expect(review.states[1].transitions).toContainEqual({
      event: 'APPROVE',
      targets: ['done'],
      actions: ['sendEvent'],
    });
    expect(json.states[0]).toMatchObject({ key: 'open', deadline: 'PT3H', label: '待提交' });
  });
});
