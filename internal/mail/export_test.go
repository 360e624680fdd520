package mail

// FetchIMAPLimit lets tests cut messages at a small size.
var FetchIMAPLimit = fetchIMAP
