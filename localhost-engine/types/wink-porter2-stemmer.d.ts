/** wink-porter2-stemmer ships no types: one function, a word in lower case to its Porter2 (English) stem. */
declare module 'wink-porter2-stemmer' {
  function stem(word: string): string;
  export = stem;
}
