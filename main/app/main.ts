// PLACEHOLDER: the Electron main process (issue 5).
export {};
