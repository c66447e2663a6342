// PLACEHOLDER: the status window (issue 5).
export {};
