// Import before constructing AWS SDK clients. The project supports Node 20 (package.json engines), so
// the SDK's multi-line "upgrade to Node 22" warning is noise on every `nhi` run; silence it unless set.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
