import assert from 'node:assert/strict';
import {test} from 'node:test';

import {compileQuery, findMatches} from '../src/graph/search.js';
import {stagesData} from './fixture.js';

test('an op type matches every node of that op, case-insensitively', () => {
  const matches = findMatches(stagesData(), compileQuery('conv'));
  assert.deepEqual(matches.map((m) => m.item), [1, 3, 5]);
});

test('a regex over names and group paths', () => {
  const data = stagesData();
  assert.deepEqual(findMatches(data, compileQuery('block1/(add|conv)$')).map((m) => m.item), [3, 4]);
  assert.deepEqual(findMatches(data, compileQuery('^stage1$')), [{group: 4}]);
  assert.deepEqual(findMatches(data, compileQuery('^x$')), [{item: 0}]);
});

test('an empty query matches nothing and a bad one throws', () => {
  assert.equal(compileQuery('   '), null);
  assert.deepEqual(findMatches(stagesData(), null), []);
  assert.throws(() => compileQuery('(('), SyntaxError);
});
