// Validates CSAF 2.0 documents with the OASIS/secvisogram validator: the
// strict schema test and every mandatory test. Usage: node validate.mjs FILE...
// Prints one line per error and exits 1 if any document has an error.
import { readFileSync } from 'node:fs'
import validateStrict from '@secvisogram/csaf-validator-lib/validateStrict.js'
import * as schema from '@secvisogram/csaf-validator-lib/schemaTests.js'
import * as mandatory from '@secvisogram/csaf-validator-lib/mandatoryTests.js'

const tests = [schema.csaf_2_0_strict, ...Object.values(mandatory).filter((t) => t !== schema.csaf_2_0_strict && t !== schema.csaf_2_0)]
let failed = 0
for (const file of process.argv.slice(2)) {
  const doc = JSON.parse(readFileSync(file, 'utf8'))
  const result = await validateStrict(tests, doc)
  for (const t of result.tests) {
    for (const e of t.errors) {
      failed++
      console.log(`${file}: ${t.name}: ${e.instancePath}: ${e.message}`)
    }
  }
}
console.log(`csaf-validator: ${process.argv.length - 2} documents, ${tests.length} tests each, ${failed} errors`)
process.exit(failed > 0 ? 1 : 0)
