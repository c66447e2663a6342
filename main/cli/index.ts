// PLACEHOLDER: the CLI entry (issue 2).
console.log('offload');
