// PLACEHOLDER: the preload bridge (issue 5).
export {};
