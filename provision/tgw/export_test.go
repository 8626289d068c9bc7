package tgw

// WaitAPI lets the container test (package tgw_test) wait for the API after a restart.
var WaitAPI = waitAPI
