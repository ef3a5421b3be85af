//! Helpers shared by the wasm tests: reading plain JavaScript objects and
//! errors as the task pane would.
#![allow(dead_code)]

use js_sys::{Error, JSON, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// `value.a.0.b` as JavaScript reads it (numeric keys index arrays).
pub fn get(value: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(value.clone(), |v, key| {
        let key = match key.parse::<u32>() {
            Ok(index) => JsValue::from(index),
            Err(_) => JsValue::from_str(key),
        };
        Reflect::get(&v, &key).expect("property access")
    })
}

pub fn get_str(value: &JsValue, path: &str) -> String {
    get(value, path)
        .as_string()
        .unwrap_or_else(|| panic!("{path} is not a string"))
}

pub fn get_f64(value: &JsValue, path: &str) -> f64 {
    get(value, path)
        .as_f64()
        .unwrap_or_else(|| panic!("{path} is not a number"))
}

pub fn length(value: &JsValue, path: &str) -> u32 {
    js_sys::Array::from(&get(value, path)).length()
}

/// A JavaScript value from JSON text.
pub fn json(text: &str) -> JsValue {
    JSON::parse(text).expect("valid JSON")
}

pub fn object(text: &str) -> Object {
    json(text).unchecked_into::<Object>()
}

/// The message of what must be a real JavaScript `Error`.
pub fn error_message(error: impl Into<JsValue>) -> String {
    let error = error.into().dyn_into::<Error>().expect("a real Error");
    String::from(error.message())
}
