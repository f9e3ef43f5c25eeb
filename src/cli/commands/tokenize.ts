/** `mwb tokenize FILE.gguf TEXT`: the token ids of a text under a GGUF file's tokenizer, as llama.cpp computes them. */
import { readFile } from 'node:fs/promises';
import { GgufTokenizer } from '../../model/tokenizer/tokenizer.ts';
import { parseCommandArgs, printJson, UsageError, type Command } from '../command.ts';
import { withGgufFile } from '../gguf-file.ts';

export const tokenizeCommand: Command = {
  name: 'tokenize',
  summary: "print the token ids of a text under a GGUF file's tokenizer (llama.cpp's ids)",
  usage: `mwb tokenize FILE.gguf TEXT [--json] [options]

Tokenizes TEXT with the tokenizer stored in FILE.gguf (tokenizer.ggml.*), giving the same ids as
llama.cpp. BOS and EOS are added where the model asks for them (tokenizer.ggml.add_bos_token and
add_eos_token, or llama.cpp's defaults when absent). Special tokens written in the text, such as
<|im_start|>, are read as those tokens, as llama.cpp's llama-tokenize does.

Options:
  --json               print {"tokens": [ids], "pieces": [text of each token]}
  --pieces             print one token per line: id and its text (JSON-quoted)
  --file PATH          read the text from PATH instead of the TEXT argument
  --no-special         add no BOS/EOS
  --no-parse-special   tokenize special-token text such as <|im_end|> as plain text`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      json: { type: 'boolean' },
      pieces: { type: 'boolean' },
      file: { type: 'string' },
      'no-special': { type: 'boolean' },
      'no-parse-special': { type: 'boolean' },
    });
    const [path, ...rest] = positionals;
    if (!path) throw new UsageError('missing FILE.gguf');
    if (values.file !== undefined && rest.length > 0) throw new UsageError('give the text either as TEXT or with --file, not both');
    if (values.file === undefined && rest.length !== 1) {
      throw new UsageError(rest.length === 0 ? 'missing TEXT (or --file PATH)' : `expected one TEXT argument, got ${rest.length}; quote the text`);
    }
    const text = values.file !== undefined ? await readFile(values.file, 'utf8') : rest[0];

    await withGgufFile(path, async (file) => {
      const tokenizer = GgufTokenizer.fromGguf(file);
      const ids = tokenizer.encode(text, { addSpecial: !values['no-special'], parseSpecial: !values['no-parse-special'] });
      const pieces = ids.map((id) => tokenizer.tokenPiece(id, true));
      if (values.json) printJson({ tokens: ids, pieces });
      else if (values.pieces) {
        for (const [i, id] of ids.entries()) console.log(`${String(id).padStart(6)}  ${JSON.stringify(pieces[i])}`);
      } else {
        console.log(ids.join(' '));
      }
    });
    return 0;
  },
};
